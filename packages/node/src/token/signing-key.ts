import { createPrivateKey, type JsonWebKey, KeyObject } from 'node:crypto'

/** JWS algorithms the SDK signs partner JWTs with (asymmetric only, like Patchbay accepts). */
export type SigningAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA'

/**
 * The partner's private key: a `KeyObject`, a WebCrypto `CryptoKey`, a private JWK (object or JSON
 * text), or a PEM string (PKCS#8, SEC1 or PKCS#1).
 */
export type PrivateKeyInput = KeyObject | CryptoKey | JsonWebKey | string

export interface SigningKey {
  key: KeyObject
  alg: SigningAlgorithm
  kid: string | undefined
}

export interface ImportSigningKeyOptions {
  /** Defaults to the JWK's `alg`, else the one the key type implies (EC P-256 → ES256, RSA → RS256, Ed25519 → EdDSA). */
  algorithm?: SigningAlgorithm | undefined
  /** Defaults to the JWK's `kid`. */
  keyId?: string | undefined
}

const algorithms: readonly SigningAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

const curveAlg: Record<string, SigningAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey
}

function toKeyObject(input: PrivateKeyInput, path: string): { key: KeyObject; jwk?: JsonWebKey } {
  try {
    if (input instanceof KeyObject) return { key: input }
    if (isCryptoKey(input)) return { key: KeyObject.from(input) }
    if (typeof input === 'string') {
      const text = input.trim()
      if (text.startsWith('{')) {
        const jwk = JSON.parse(text) as JsonWebKey
        return { key: createPrivateKey({ key: jwk, format: 'jwk' }), jwk }
      }
      if (text.startsWith('-----BEGIN')) return { key: createPrivateKey(text) }
      throw new Error('a string must be a PEM private key or a JWK as JSON')
    }
    if (typeof input === 'object' && input !== null && typeof input.kty === 'string') {
      return { key: createPrivateKey({ key: input, format: 'jwk' }), jwk: input }
    }
    throw new Error('expected a KeyObject, CryptoKey, private JWK or PEM string')
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new TypeError(`${path}: not a usable private key (${reason})`, { cause })
  }
}

function impliedAlgorithm(key: KeyObject): SigningAlgorithm | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256'
    case 'rsa-pss':
      return 'PS256'
    case 'ec':
      return curveAlg[key.asymmetricKeyDetails?.namedCurve ?? '']
    case 'ed25519':
    case 'ed448':
      return 'EdDSA'
    default:
      return undefined
  }
}

function fits(alg: SigningAlgorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType
  if (alg.startsWith('RS')) return type === 'rsa'
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss'
  if (alg.startsWith('ES')) return type === 'ec' && curveAlg[key.asymmetricKeyDetails?.namedCurve ?? ''] === alg
  return type === 'ed25519' || type === 'ed448'
}

/** Imports the partner's private key once (synchronously), checking that it can sign with the algorithm. */
export function importSigningKey(input: PrivateKeyInput, options: ImportSigningKeyOptions = {}, path = 'privateKey'): SigningKey {
  const { key, jwk } = toKeyObject(input, path)
  if (key.type !== 'private') throw new TypeError(`${path}: must be a private key, got a ${key.type} key`)
  const jwkAlg = typeof jwk?.alg === 'string' ? jwk.alg : undefined
  const requested = options.algorithm ?? jwkAlg
  if (requested !== undefined && !(algorithms as readonly string[]).includes(requested)) {
    throw new TypeError(`${path}: unsupported algorithm "${requested}" (supported: ${algorithms.join(', ')})`)
  }
  const alg = (requested as SigningAlgorithm | undefined) ?? impliedAlgorithm(key)
  if (!alg) throw new TypeError(`${path}: cannot sign JWTs with a ${key.asymmetricKeyType} key`)
  if (!fits(alg, key)) throw new TypeError(`${path}: a ${key.asymmetricKeyType} key cannot sign ${alg}`)
  const modulus = key.asymmetricKeyDetails?.modulusLength
  if (modulus !== undefined && modulus < 2048) throw new TypeError(`${path}: RSA keys must be at least 2048 bits`)
  const kid = options.keyId ?? (typeof jwk?.kid === 'string' ? jwk.kid : undefined)
  return { key, alg, kid }
}

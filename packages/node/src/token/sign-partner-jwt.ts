import { constants, sign as cryptoSign, randomUUID } from 'node:crypto'
import { base64url } from '../lib/base64url.js'
import type { SigningKey } from './signing-key.js'

/** The longest lifetime the SDK gives a partner JWT: it is exchanged at once. */
export const MAX_JWT_LIFETIME_SECONDS = 300

export interface PartnerJwtOptions {
  /** `iss`: the issuer registered for the partner. */
  issuer: string
  /** `aud`: the audience registered for the partner. */
  audience: string
  /** The partner's own id of the end user (`sub`, and `userClaim` when that is another claim). */
  userId: string
  /** The claim Patchbay reads the user id from (default `sub`). */
  userClaim?: string | undefined
  /** The end user's tenant (workspace, organization); sent in `tenantClaim`. */
  tenantId?: string | undefined
  /** The claim Patchbay reads the tenant id from (default `org`). */
  tenantClaim?: string | undefined
  /** Extra claims; the registered ones above are set by the SDK and cannot be overridden. */
  claims?: Record<string, unknown> | undefined
  /** Seconds from `iat` to `exp` (default 60, at most 300). */
  lifetimeSeconds?: number | undefined
  /** Epoch milliseconds to sign at (default now). */
  now?: number | undefined
}

const RESERVED = ['iss', 'aud', 'sub', 'iat', 'exp', 'nbf', 'jti'] as const

function signature(key: SigningKey, data: Buffer): Buffer {
  const { alg } = key
  if (alg === 'EdDSA') return cryptoSign(null, data, key.key)
  const hash = `sha${alg.slice(2)}`
  if (alg.startsWith('ES')) return cryptoSign(hash, data, { key: key.key, dsaEncoding: 'ieee-p1363' })
  if (alg.startsWith('PS')) {
    return cryptoSign(hash, data, { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 })
  }
  return cryptoSign(hash, data, key.key)
}

/** Throws the TypeError {@link signPartnerJwt} would throw for these options, without signing. */
export function checkPartnerJwtOptions(options: PartnerJwtOptions): void {
  const lifetime = options.lifetimeSeconds ?? 60
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_JWT_LIFETIME_SECONDS) {
    throw new TypeError(`lifetimeSeconds: must be an integer from 1 to ${MAX_JWT_LIFETIME_SECONDS}`)
  }
  if (typeof options.userId !== 'string' || options.userId === '') throw new TypeError('userId: must be a non-empty string')
  const claims = options.claims ?? {}
  const tenantClaim = options.tenantClaim ?? 'org'
  for (const name of [...RESERVED, options.userClaim ?? 'sub']) {
    if (Object.hasOwn(claims, name)) throw new TypeError(`claims.${name}: set by the SDK, cannot be given as a claim`)
  }
  if (options.tenantId !== undefined && Object.hasOwn(claims, tenantClaim)) {
    throw new TypeError(`claims.${tenantClaim}: the tenant is given as tenantId already`)
  }
}

/**
 * Signs the short-lived JWT that names one end user to Patchbay (the subject token of the token
 * exchange): `iss`, `aud`, `sub`, the tenant claim, a fresh single-use `jti`, `iat` and `exp`.
 */
export function signPartnerJwt(key: SigningKey, options: PartnerJwtOptions): string {
  checkPartnerJwtOptions(options)
  const lifetime = options.lifetimeSeconds ?? 60
  const claims = options.claims ?? {}
  const tenantClaim = options.tenantClaim ?? 'org'
  const iat = Math.floor((options.now ?? Date.now()) / 1000)
  const payload: Record<string, unknown> = { ...claims, iss: options.issuer, aud: options.audience, sub: options.userId }
  if (options.userClaim && options.userClaim !== 'sub') payload[options.userClaim] = options.userId
  if (options.tenantId !== undefined) payload[tenantClaim] = options.tenantId
  payload.jti = randomUUID()
  payload.iat = iat
  payload.exp = iat + lifetime
  const header = { alg: key.alg, typ: 'JWT', ...(key.kid ? { kid: key.kid } : {}) }
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`
  return `${signingInput}.${base64url(signature(key, Buffer.from(signingInput, 'ascii')))}`
}

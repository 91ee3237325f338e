import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { signPartnerJwt } from '../src/token/sign-partner-jwt.js'
import { importSigningKey, type SigningAlgorithm } from '../src/token/signing-key.js'

/** Every JWT is checked by jose, an independent implementation. */
const cases: Array<{ alg: SigningAlgorithm; pair: () => { privateKey: KeyObject; publicKey: KeyObject } }> = [
  { alg: 'ES256', pair: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
  { alg: 'ES384', pair: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }) },
  { alg: 'ES512', pair: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }) },
  { alg: 'RS256', pair: () => generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  { alg: 'EdDSA', pair: () => generateKeyPairSync('ed25519') },
]

const options = { issuer: 'https://partner.example', audience: 'patchbay', userId: 'user-1' }

describe('signPartnerJwt', () => {
  it.each(cases)('signs $alg JWTs that jose verifies, inferring the algorithm from the key', async ({ alg, pair }) => {
    const { privateKey, publicKey } = pair()
    const key = importSigningKey(privateKey)
    expect(key.alg).toBe(alg)
    const jwt = signPartnerJwt(key, { ...options, tenantId: 'org-1' })
    const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: [alg],
    })
    expect(protectedHeader).toEqual({ alg, typ: 'JWT' })
    expect(payload).toMatchObject({ sub: 'user-1', org: 'org-1' })
  })

  it.each(['RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const)('signs %s with an RSA key when asked to', async (alg) => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwt = signPartnerJwt(importSigningKey(privateKey, { algorithm: alg }), options)
    expect((await jwtVerify(jwt, publicKey, { algorithms: [alg] })).protectedHeader.alg).toBe(alg)
  })

  it('sets iss, aud, sub, a fresh jti, iat and exp (default 60 s, at most 300 s)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const key = importSigningKey(privateKey)
    const a = await jwtVerify(signPartnerJwt(key, options), publicKey)
    const b = await jwtVerify(signPartnerJwt(key, { ...options, lifetimeSeconds: 300, now: Date.now() + 1000 }), publicKey)
    expect(a.payload).toMatchObject({ iss: options.issuer, aud: options.audience, sub: 'user-1' })
    expect(a.payload.jti).toEqual(expect.any(String))
    expect(a.payload.jti).not.toBe(b.payload.jti)
    expect((a.payload.exp as number) - (a.payload.iat as number)).toBe(60)
    expect((b.payload.exp as number) - (b.payload.iat as number)).toBe(300)
    expect(a.payload.org).toBeUndefined()
    expect(() => signPartnerJwt(key, { ...options, lifetimeSeconds: 301 })).toThrow(/lifetimeSeconds/)
  })

  it('puts the user and tenant in the configured claims, and keeps extra claims', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwt = signPartnerJwt(importSigningKey(privateKey), {
      ...options,
      userClaim: 'uid',
      tenantId: 'acme-corp',
      tenantClaim: 'tenant',
      claims: { email: 'ada@example.com' },
    })
    expect((await jwtVerify(jwt, publicKey)).payload).toMatchObject({
      sub: 'user-1',
      uid: 'user-1',
      tenant: 'acme-corp',
      email: 'ada@example.com',
    })
  })

  it("takes a JWK's kid and alg, or the keyId option", async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = { ...(await exportJWK(privateKey)), kid: 'key-7', alg: 'ES256' }
    expect(decodeProtectedHeader(signPartnerJwt(importSigningKey(jwk), options))).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'key-7' })
    expect(decodeProtectedHeader(signPartnerJwt(importSigningKey(JSON.stringify(jwk), { keyId: 'other' }), options)).kid).toBe('other')
    // A WebCrypto CryptoKey works too.
    expect(importSigningKey(privateKey).alg).toBe('ES256')
  })

  it('refuses keys that cannot sign, naming the input', () => {
    const { privateKey: small } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    expect(() => importSigningKey(small)).toThrow(/2048/)
    const { privateKey: k256 } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
    expect(() => importSigningKey(k256)).toThrow(/cannot sign/)
    const { privateKey: p256 } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(() => importSigningKey(p256, { algorithm: 'ES384' })).toThrow(/cannot sign ES384/)
    expect(() => importSigningKey(p256, { algorithm: 'HS256' as SigningAlgorithm })).toThrow(/unsupported algorithm/)
    expect(() => importSigningKey({ kty: 'oct', k: 'AAAA' })).toThrow(/privateKey/)
    expect(() => importSigningKey('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----')).toThrow(/privateKey/)
  })
})

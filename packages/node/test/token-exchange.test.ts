import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { OAuthError, Patchbay, PatchbayError } from '../src/index.js'
import { type SdkSetup, startSdkSetup, tokenRequests } from './helpers/sdk-setup.js'

describe.each(databaseTargets)('token exchange and caching ($name)', (target) => {
  let s: SdkSetup

  beforeAll(async () => {
    s = await startSdkSetup(target)
  })
  afterAll(() => s?.close())

  it('exchanges a JWT signed from the private JWK and acts as that end user', async () => {
    const { patchbay } = s.sdk()
    const me = await patchbay.forUser({ userId: 'user-123', tenantId: 'workspace-42' }).me()
    expect(me).toMatchObject({ partner_id: 'acme', tenant_id: 'workspace-42', user_id: 'user-123' })
    expect(me.scopes).toContain('connections:read')
  })

  it('reuses the cached access token: the second call makes no token request', async () => {
    const { patchbay, requests } = s.sdk()
    const user = patchbay.forUser({ userId: 'cache-1', tenantId: 'org-1' })
    await user.me()
    await user.me()
    // Another handle on the same user shares the cache too.
    await patchbay.forUser({ userId: 'cache-1', tenantId: 'org-1' }).me()
    expect(tokenRequests(requests)).toHaveLength(1)
    expect(requests.filter((r) => r.url.pathname === '/v1/me')).toHaveLength(3)
    const bearers = new Set(requests.filter((r) => r.url.pathname === '/v1/me').map((r) => r.authorization))
    expect(bearers.size).toBe(1)
  })

  it('runs one exchange for concurrent first calls of the same user', async () => {
    const { patchbay, requests } = s.sdk()
    const user = patchbay.forUser({ userId: 'concurrent', tenantId: 'org-1' })
    const results = await Promise.all(Array.from({ length: 8 }, () => user.accessToken()))
    expect(new Set(results).size).toBe(1)
    expect(tokenRequests(requests)).toHaveLength(1)
  })

  it('keeps one token per (tenant, user, scopes)', async () => {
    const { patchbay, requests } = s.sdk()
    const a = await patchbay.forUser({ userId: 'same', tenantId: 'org-a' }).me()
    const b = await patchbay.forUser({ userId: 'same', tenantId: 'org-b' }).me()
    const c = await patchbay.forUser({ userId: 'other', tenantId: 'org-a' }).me()
    const narrow = await patchbay.forUser({ userId: 'same', tenantId: 'org-a', scopes: ['connect'] }).me()
    expect([a.tenant_id, b.tenant_id, c.user_id]).toEqual(['org-a', 'org-b', 'other'])
    expect(narrow.scopes).toEqual(['connect'])
    expect(tokenRequests(requests)).toHaveLength(4)
  })

  it('exchanges again shortly before the cached token expires', async () => {
    const { patchbay, requests } = s.sdk()
    const user = patchbay.forUser({ userId: 'renewal', tenantId: 'org-1' })
    const first = await user.accessToken()
    // Only Date is faked: the server (same process) sees the same clock, timers still run.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    try {
      vi.setSystemTime(Date.now() + (s.t.config.accessTokenTtl - 90) * 1000)
      expect(await user.accessToken()).toBe(first)
      vi.setSystemTime(Date.now() + 45_000)
      const second = await user.accessToken()
      expect(second).not.toBe(first)
      expect((await user.me()).user_id).toBe('renewal')
    } finally {
      vi.useRealTimers()
    }
    expect(tokenRequests(requests)).toHaveLength(2)
  })

  it('exchanges again once when Patchbay refuses a cached token (401), and does not cache failures', async () => {
    const { patchbay, requests } = s.sdk()
    const user = patchbay.forUser({ userId: 'revoked-token', tenantId: 'org-1' })
    await user.me()
    // The server revokes the token the SDK holds.
    await s.revokeSentTokens(requests)
    expect((await user.me()).user_id).toBe('revoked-token')
    expect(tokenRequests(requests)).toHaveLength(2)
    expect(requests.filter((r) => r.url.pathname === '/v1/me').map((r) => r.url.pathname)).toHaveLength(3)
  })

  it('revokes a token at Patchbay and forgets it: the old token is refused, the next call exchanges again', async () => {
    const { patchbay, requests } = s.sdk()
    const user = patchbay.forUser({ userId: 'signed-out', tenantId: 'org-1' })
    const token = await user.accessToken()
    await patchbay.revokeToken(token)
    expect(requests.filter((r) => r.url.pathname === '/oauth/revoke')).toHaveLength(1)
    const old = await fetch(`${s.t.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(old.status).toBe(401)
    // Not a 401-and-retry: the SDK exchanges a new token before the call.
    expect((await user.me()).user_id).toBe('signed-out')
    expect(tokenRequests(requests)).toHaveLength(2)
    expect(requests.filter((r) => r.url.pathname === '/v1/me')).toHaveLength(1)
    expect(await user.accessToken()).not.toBe(token)
    // Revoking again is not an error; wrong client credentials are.
    await patchbay.revokeToken(token)
    const err = await s
      .sdk({ clientSecret: 'wrong-secret' })
      .patchbay.revokeToken(token)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OAuthError)
    expect(err).toMatchObject({ code: 'invalid_client', status: 401 })
  })

  it('uses a ready JWT from subjectToken, fetching a new one for every exchange', async () => {
    const { patchbay, requests } = s.sdk({ privateKey: undefined, issuer: undefined, audience: undefined })
    const subjectToken = vi.fn(() => s.t.sign({ sub: 'byo-jwt', org: 'org-9' }))
    const user = patchbay.forUser({ userId: 'byo-jwt', tenantId: 'org-9', subjectToken })
    expect(await user.me()).toMatchObject({ user_id: 'byo-jwt', tenant_id: 'org-9' })
    await user.me()
    await user.createConnectSession()
    expect(subjectToken).toHaveBeenCalledTimes(2)
    expect(tokenRequests(requests)).toHaveLength(2)
  })

  it('throws OAuthError invalid_client (401) for a wrong client secret, and caches nothing', async () => {
    const { patchbay, requests } = s.sdk({ clientSecret: 'wrong-secret' })
    const user = patchbay.forUser({ userId: 'bad-client', tenantId: 'org-1' })
    const err = await user.me().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OAuthError)
    expect(err).toBeInstanceOf(PatchbayError)
    expect(err).toMatchObject({ code: 'invalid_client', error: 'invalid_client', status: 401 })
    expect((err as OAuthError).errorDescription).toEqual(expect.any(String))
    await user.me().catch(() => {})
    expect(tokenRequests(requests)).toHaveLength(2)
  })

  it('throws OAuthError invalid_grant when the JWT is refused (wrong issuer)', async () => {
    const { patchbay } = s.sdk({ issuer: 'https://someone-else.example' })
    const err = await patchbay
      .forUser({ userId: 'u', tenantId: 'org-1' })
      .me()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OAuthError)
    expect(err).toMatchObject({ code: 'invalid_grant', status: 400 })
    expect((err as OAuthError).message).toMatch(/iss/)
  })

  it('throws OAuthError invalid_grant when the tenant claim is missing', async () => {
    const { patchbay } = s.sdk()
    const err = await patchbay
      .forUser({ userId: 'no-tenant' })
      .me()
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'OAuthError', code: 'invalid_grant' })
  })

  it('signs with the configured tenant claim and extra claims', async () => {
    const { patchbay } = s.sdk({ tenantClaim: 'org' })
    const me = await patchbay.forUser({ userId: 'claims', tenantId: 'org-claims', claims: { email: 'a@b.test' } }).me()
    expect(me.tenant_id).toBe('org-claims')
  })

  it('accepts the key as a PEM string and as a KeyObject', async () => {
    const keyObject = createPrivateKey({ key: s.privateJwk as never, format: 'jwk' })
    const pem = keyObject.export({ type: 'pkcs8', format: 'pem' }).toString()
    for (const privateKey of [pem, keyObject]) {
      const { patchbay } = s.sdk({ privateKey, keyId: s.privateJwk.kid as string })
      expect((await patchbay.forUser({ userId: 'pem', tenantId: 'org-1' }).me()).user_id).toBe('pem')
    }
  })

  it('signs RS256 and EdDSA for partners with such keys', async () => {
    for (const alg of ['RS256', 'EdDSA']) {
      const other = await s.t.addPartner({ id: `p-${alg.toLowerCase()}` }, { alg, inlineJwks: true })
      const { exportJWK } = await import('jose')
      const jwk = { ...(await exportJWK(other.key.privateKey)), kid: other.key.kid }
      const patchbay = new Patchbay({
        baseUrl: s.t.url,
        clientId: other.clientId,
        clientSecret: other.clientSecret,
        privateKey: jwk,
        issuer: other.issuer,
        audience: other.audience,
      })
      const me = await patchbay.forUser({ userId: `user-${alg}`, tenantId: 't' }).me()
      expect(me).toMatchObject({ partner_id: other.id, user_id: `user-${alg}` })
    }
  })

  it('throws PB_ERR_NETWORK when Patchbay cannot be reached', async () => {
    const patchbay = new Patchbay({
      baseUrl: 'http://127.0.0.1:9',
      clientId: 'x',
      clientSecret: 'y',
      privateKey: s.privateJwk,
      issuer: 'i',
      audience: 'a',
    })
    const err = await patchbay
      .forUser({ userId: 'u' })
      .me()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PatchbayError)
    expect(err).toMatchObject({ code: 'PB_ERR_NETWORK', status: 0 })
  })
})

describe('new Patchbay() and forUser() arguments', () => {
  const base = { baseUrl: 'https://patchbay.example', clientId: 'c', clientSecret: 's' }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })

  it('names the bad option in a TypeError', () => {
    expect(() => new Patchbay({ ...base, baseUrl: 'not a url' })).toThrow(/options\.baseUrl/)
    expect(() => new Patchbay({ ...base, baseUrl: 'ftp://x' })).toThrow(/options\.baseUrl/)
    expect(() => new Patchbay({ ...base, clientSecret: '' })).toThrow(/options\.clientSecret/)
    expect(() => new Patchbay({ ...base, privateKey })).toThrow(/options\.issuer/)
    expect(() => new Patchbay({ ...base, privateKey, issuer: 'i' })).toThrow(/options\.audience/)
    expect(() => new Patchbay({ ...base, privateKey: 'garbage', issuer: 'i', audience: 'a' })).toThrow(/options\.privateKey/)
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(() => new Patchbay({ ...base, privateKey: publicKey, issuer: 'i', audience: 'a' })).toThrow(/private key/)
    expect(() => new Patchbay({ ...base, privateKey, algorithm: 'RS256', issuer: 'i', audience: 'a' })).toThrow(/cannot sign RS256/)
    expect(() => new Patchbay({ ...base, privateKey, issuer: 'i', audience: 'a', jwtLifetimeSeconds: 301 })).toThrow(/jwtLifetimeSeconds/)
  })

  it('requires subjectToken when no private key is configured', () => {
    expect(() => new Patchbay(base).forUser({ userId: 'u' })).toThrow(/subjectToken/)
    expect(() => new Patchbay(base).forUser({ userId: '' as string, subjectToken: () => 'x' })).toThrow(/options\.userId/)
  })

  it('refuses claims the SDK sets itself', () => {
    const patchbay = new Patchbay({ ...base, privateKey, issuer: 'i', audience: 'a' })
    expect(() => patchbay.forUser({ userId: 'u', claims: { iss: 'x' } })).toThrow(/claims\.iss/)
    expect(() => patchbay.forUser({ userId: 'u', tenantId: 't', claims: { org: 'x' } })).toThrow(/claims\.org/)
  })

  it('strips trailing slashes from baseUrl and keeps a path prefix', () => {
    expect(new Patchbay({ ...base, baseUrl: 'https://h.example/patchbay/' }).baseUrl).toBe('https://h.example/patchbay')
  })
})

import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { CredentialRevokedError, errorCodes, isApiErrorCode, OAuthError, Patchbay, PatchbayError } from '../src/index.js'
import { type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
const documented = [...doc.matchAll(/^\| `(PB_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1] as string, Number(m[2])] as const)

describe('error codes', () => {
  it('knows every code docs/errors.md documents, with its status', () => {
    expect(documented.length).toBeGreaterThan(10)
    for (const [code, status] of documented) {
      expect(isApiErrorCode(code), `${code} is missing from the SDK's errorCodes`).toBe(true)
      expect(errorCodes[code as keyof typeof errorCodes], code).toBe(status)
    }
  })

  it('knows no REST API code that docs/errors.md does not document', () => {
    expect(Object.keys(errorCodes).sort()).toEqual(documented.map(([code]) => code).sort())
  })

  it('makes every error a PatchbayError with code and status', () => {
    const revoked = new CredentialRevokedError('conn_1', 'reconnect', { status: 409 })
    expect(revoked).toBeInstanceOf(PatchbayError)
    expect(revoked).toBeInstanceOf(Error)
    expect(revoked).toMatchObject({
      name: 'CredentialRevokedError',
      code: 'PB_ERR_CREDENTIAL_REVOKED',
      status: 409,
      connectionId: 'conn_1',
    })
    const oauth = new OAuthError('invalid_grant', 'jti replayed', { status: 400 })
    expect(oauth).toBeInstanceOf(PatchbayError)
    expect(oauth).toMatchObject({ name: 'OAuthError', code: 'invalid_grant', error: 'invalid_grant', errorDescription: 'jti replayed' })
    expect(oauth.message).toBe('invalid_grant: jti replayed')
  })
})

describe.each(databaseTargets)('errors from the real server ($name)', (target) => {
  let s: SdkSetup

  beforeAll(async () => {
    s = await startSdkSetup(target)
  })
  afterAll(() => s?.close())

  it('throws PB_ERR_NOT_FOUND with status 404', async () => {
    const { patchbay } = s.sdk()
    const err = await patchbay
      .forUser({ userId: 'u404', tenantId: 'org-1' })
      .connections.get('conn_nope')
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PatchbayError)
    expect(err).toMatchObject({ name: 'PatchbayError', code: 'PB_ERR_NOT_FOUND', status: 404 })
    expect((err as PatchbayError).message).toMatch(/not found/)
  })

  it("carries the server's request id (the request-id header) on REST and token endpoint errors", async () => {
    const seen: string[] = []
    const { patchbay } = s.sdk({
      fetch: async (input, init) => {
        const res = await fetch(input, init)
        seen.push(res.headers.get('request-id') ?? '')
        return res
      },
    })
    const notFound = await patchbay
      .forUser({ userId: 'u-reqid', tenantId: 'org-1' })
      .connections.get('conn_nope')
      .catch((e: unknown) => e)
    expect(notFound).toMatchObject({ code: 'PB_ERR_NOT_FOUND' })
    expect((notFound as PatchbayError).requestId).toMatch(/^[A-Za-z0-9._:-]{8,128}$/)
    expect((notFound as PatchbayError).requestId).toBe(seen.at(-1))

    const refused = await patchbay
      .forUser({ userId: 'u-reqid', subjectToken: () => 'not.a.jwt' })
      .accessToken()
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OAuthError)
    expect((refused as OAuthError).requestId).toBe(seen.at(-1))
    expect((refused as OAuthError).requestId).toMatch(/^[A-Za-z0-9._:-]{8,128}$/)
  })

  it('throws PB_ERR_UNAUTHORIZED with status 401 when Patchbay refuses even a new token (after one retry)', async () => {
    const { patchbay } = s.sdk({
      fetch: async (input, init) => {
        const url = String(input)
        if (!url.includes('/v1/')) return fetch(input, init)
        return fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: 'Bearer pbat_forged' } })
      },
    })
    const user = patchbay.forUser({ userId: 'u401', tenantId: 'org-1' })
    await user.accessToken()
    const err = await user.me().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PatchbayError)
    expect(err).toMatchObject({ code: 'PB_ERR_UNAUTHORIZED', status: 401 })
  })

  it('retries a 401 only once', async () => {
    let v1Calls = 0
    let tokenCalls = 0
    const { patchbay } = s.sdk({
      fetch: async (input, init) => {
        if (!String(input).includes('/v1/')) {
          tokenCalls++
          return fetch(input, init)
        }
        v1Calls++
        return fetch(input, { ...init, headers: { authorization: 'Bearer pbat_forged' } })
      },
    })
    const user = patchbay.forUser({ userId: 'u401-once', tenantId: 'org-1' })
    await user.accessToken()
    await expect(user.me()).rejects.toMatchObject({ code: 'PB_ERR_UNAUTHORIZED' })
    expect(v1Calls).toBe(2)
    expect(tokenCalls).toBe(2)
  })

  it('throws PB_ERR_INSUFFICIENT_SCOPE (403) for a token without the scope', async () => {
    const { patchbay } = s.sdk()
    const err = await patchbay
      .forUser({ userId: 'u403', tenantId: 'org-1', scopes: ['connect'] })
      .connections.list()
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'PB_ERR_INSUFFICIENT_SCOPE', status: 403 })
  })

  it('throws OAuthError too_many_requests (429) with retryAfter when the client is rate limited', async () => {
    const limited = await startSdkSetup(target, { 'rateLimit.tokenPerClient': 3 })
    onTestFinished(() => limited.close())
    const { patchbay } = limited.sdk()
    let err: unknown
    for (let i = 0; i < 6 && !err; i++) {
      err = await patchbay
        .forUser({ userId: `rate-${i}`, tenantId: 'org-1' })
        .accessToken()
        .then(
          () => undefined,
          (e: unknown) => e,
        )
    }
    expect(err).toBeInstanceOf(OAuthError)
    expect(err).toMatchObject({ code: 'too_many_requests', status: 429 })
    expect((err as OAuthError).retryAfter).toBeGreaterThan(0)
  })
})

describe('answers that are not from Patchbay', () => {
  let server: Server
  let url: string
  let answer: { status: number; headers: Record<string, string>; body: string }

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(answer.status, answer.headers).end(answer.body))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  // No retries: each answer is looked at once (test/retries.test.ts retries them).
  const user = () =>
    new Patchbay({ baseUrl: url, clientId: 'c', clientSecret: 's', maxRetries: 0 }).forUser({
      userId: 'u',
      subjectToken: () => 'header.payload.sig',
    })

  it('throws PB_ERR_INVALID_RESPONSE with the status for an HTML error page', async () => {
    answer = { status: 502, headers: { 'content-type': 'text/html', 'x-request-id': 'req-42' }, body: '<h1>Bad gateway</h1>' }
    const err = await user()
      .me()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PatchbayError)
    expect(err).toMatchObject({ code: 'PB_ERR_INVALID_RESPONSE', status: 502, requestId: 'req-42' })
  })

  it('throws PB_ERR_INVALID_RESPONSE for a token answer without an access token', async () => {
    answer = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"token_type":"Bearer"}' }
    await expect(user().accessToken()).rejects.toMatchObject({ code: 'PB_ERR_INVALID_RESPONSE', status: 200 })
  })

  it('carries the request id and Retry-After of a REST error', async () => {
    answer = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: 'pbat_x', expires_in: 3600, token_type: 'Bearer', issued_token_type: 'x', scope: '' }),
    }
    const u = user()
    await u.accessToken()
    answer = {
      status: 429,
      headers: { 'content-type': 'application/json', 'request-id': 'req-7', 'retry-after': '12' },
      body: JSON.stringify({ error: { code: 'PB_ERR_RATE_LIMITED', message: 'slow down' } }),
    }
    await expect(u.connections.list()).rejects.toMatchObject({
      code: 'PB_ERR_RATE_LIMITED',
      status: 429,
      message: 'slow down',
      requestId: 'req-7',
      retryAfter: 12,
    })
  })
})

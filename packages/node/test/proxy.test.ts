import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { type Connection, CredentialRevokedError, type Patchbay, PatchbayError, type PatchbayUser } from '../src/index.js'
import { GOOD_STRIPE_KEY, type SdkSetup, type SentRequest, startSdkSetup, tokenRequests } from './helpers/sdk-setup.js'

const BIG = 'x'.repeat(256 * 1024)

describe.each(databaseTargets)('user.proxy against the server proxy route ($name)', (target) => {
  let s: SdkSetup
  let patchbay: Patchbay
  let requests: SentRequest[]
  let user: PatchbayUser
  let connection: Connection

  beforeAll(async () => {
    s = await startSdkSetup(target)
    s.fakeApi.route('POST /v1/echo', (req) => ({
      status: 201,
      json: { method: req.method, body: req.body, type: req.headers['content-type'], custom: req.headers['x-custom'] ?? null },
    }))
    s.fakeApi.route('GET /v1/big', () => ({ body: BIG, headers: { 'content-type': 'text/plain' } }))
    s.fakeApi.route('GET /v1/missing', () => ({
      status: 404,
      json: { error: { type: 'invalid_request_error', message: 'No such customer' } },
    }))
    ;({ patchbay, requests } = s.sdk())
    user = patchbay.forUser({ userId: 'proxy-user', tenantId: 'org-1' })
    connection = await user.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } })
  })
  afterAll(() => s?.close())

  const lastUpstream = () => s.fakeApi.requests.at(-1)

  it("calls the app's API with the connection's credentials injected and returns a standard Response", async () => {
    const res = await user.proxy(connection.id, '/account?expand=settings')
    expect(res).toBeInstanceOf(Response)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ email: 'billing@acme.test' })
    expect(lastUpstream()).toMatchObject({ method: 'GET', path: '/v1/account' })
    expect(lastUpstream()?.headers.authorization).toBe(`Bearer ${GOOD_STRIPE_KEY}`)
    expect(lastUpstream()?.query.get('expand')).toBe('settings')
  })

  it("calls the app's base URL itself for an empty path", async () => {
    const res = await user.proxy(connection.id, '?limit=3')
    await res.body?.cancel()
    expect(lastUpstream()).toMatchObject({ method: 'GET', path: '/v1' })
    expect(lastUpstream()?.query.get('limit')).toBe('3')
  })

  it('takes method, headers and body like fetch', async () => {
    const res = await user.proxy(connection.id, 'echo', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-custom': 'yes' },
      body: 'name=Jenny',
    })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ method: 'POST', body: 'name=Jenny', type: 'application/x-www-form-urlencoded', custom: 'yes' })
  })

  it('streams a request body given as a ReadableStream', async () => {
    const parts = ['{"a":', '1,"b":', '[1,2,3]}']
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part))
        controller.close()
      },
    })
    const res = await user.proxy(connection.id, 'echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect((await res.json()) as { body: string }).toMatchObject({ body: parts.join('') })
  })

  it('hands back a streaming response body', async () => {
    const res = await user.proxy(connection.id, 'big')
    expect(res.body).toBeInstanceOf(ReadableStream)
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let bytes = 0
    let chunks = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      chunks++
    }
    expect(bytes).toBe(BIG.length)
    expect(chunks).toBeGreaterThan(0)
  })

  it("passes the app's own error answers through instead of throwing", async () => {
    const res = await user.proxy(connection.id, 'missing')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { type: 'invalid_request_error', message: 'No such customer' } })
  })

  it("throws Patchbay's own refusals: PB_ERR_NOT_FOUND for an unknown connection", async () => {
    const err = await user.proxy('conn_doesnotexist', 'account').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PatchbayError)
    expect(err).toMatchObject({ code: 'PB_ERR_NOT_FOUND', status: 404 })
  })

  it('throws CredentialRevokedError when the connection is needs_reauth, without calling the app', async () => {
    const broken = await user.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY }, allowMultiple: true })
    await s.db
      .updateTable('connections')
      .set({ status: 'needs_reauth', status_reason: 'invalid_grant' })
      .where('id', '=', broken.id)
      .execute()
    const upstreamBefore = s.fakeApi.requests.length
    const err = await user.proxy(broken.id, 'account').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CredentialRevokedError)
    expect(err).toMatchObject({ code: 'PB_ERR_CREDENTIAL_REVOKED', status: 409, connectionId: broken.id })
    expect(s.fakeApi.requests.length).toBe(upstreamBefore)
  })

  it('exchanges again once when Patchbay refuses the cached token', async () => {
    const before = tokenRequests(requests).length
    await s.revokeSentTokens(requests)
    const res = await user.proxy(connection.id, 'account')
    expect(res.status).toBe(200)
    expect(tokenRequests(requests).length).toBe(before + 1)
  })

  it('refuses a path that climbs out of the proxy route, an absolute URL, or an Authorization header', async () => {
    const before = requests.length
    await expect(user.proxy(connection.id, '../../connections')).rejects.toThrow(/path/)
    await expect(user.proxy(connection.id, 'a/%2e%2e/%2e%2e/%2e%2e/me')).rejects.toThrow(/path/)
    await expect(user.proxy(connection.id, 'https://evil.example/')).rejects.toThrow(/path/)
    await expect(user.proxy(connection.id, 'account', { headers: { authorization: 'Bearer x' } })).rejects.toThrow(/authorization/)
    expect(requests.length).toBe(before)
  })

  it('lets an aborted signal reject with the AbortError itself', async () => {
    const err = await user.proxy(connection.id, 'account', { signal: AbortSignal.abort() }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'AbortError' })
  })
})

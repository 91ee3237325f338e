/**
 * Retries, time limits and request ids, against the real server through a local proxy that injects
 * faults (test/helpers/fault-proxy.ts): safe calls are retried after a reset, a 429 (after its
 * Retry-After) or a 503; writes are not, except runs, whose Idempotency-Key makes a repeat return
 * the first run. Every error carries the request id of its attempt.
 */
import { defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { type Patchbay, PatchbayError, type PatchbayUser } from '../src/index.js'
import { type FaultProxy, startFaultProxy } from './helpers/fault-proxy.js'
import { GOOD_STRIPE_KEY, type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

const actions = [
  defineAction({
    key: 'get_account',
    app: 'fakestripe',
    version: '1.0.0',
    type: 'read',
    title: 'Get the account',
    description: 'Reads the Stripe account.',
    annotations: { readOnly: true, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({}),
    output: Type.Object({ email: Type.String() }),
    run: async (ctx) => ({ email: (await ctx.http.get<{ email: string }>('/account')).data.email }),
  }),
]

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('expected a rejection') as never,
    (e: unknown) => e,
  )

describe.each(databaseTargets)('retries, time limits and request ids through a faulty network ($name)', (target) => {
  let s: SdkSetup
  let proxy: FaultProxy
  let patchbay: Patchbay
  let user: PatchbayUser
  let connectionId: string

  beforeAll(async () => {
    s = await startSdkSetup(target, {}, actions as never)
    proxy = await startFaultProxy(s.t.url)
    ;({ patchbay } = s.sdk({ baseUrl: proxy.url }))
    user = patchbay.forUser({ userId: 'retry-user', tenantId: 'org-1' })
    connectionId = (await user.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } })).id
  })
  afterAll(async () => {
    await proxy?.close()
    await s?.close()
  })

  it('retries a GET after two reset connections, each attempt with its own request id', async () => {
    const before = proxy.requests('GET', '/v1/connections').length
    proxy.inject('GET', '/v1/connections', { kind: 'drop' }, 2)
    const page = await user.connections.list()
    expect(page.data.map((c) => c.id)).toContain(connectionId)
    const attempts = proxy.requests('GET', '/v1/connections').slice(before)
    expect(attempts.map((a) => a.fault)).toEqual(['drop', 'drop', 'passed'])
    const ids = attempts.map((a) => a.headers['request-id'])
    expect(new Set(ids).size).toBe(3)
  })

  it('waits for the Retry-After of a 429 before trying again', async () => {
    proxy.inject(
      'GET',
      `/v1/connections/${connectionId}`,
      { kind: 'answer', status: 429, headers: { 'retry-after': '1' }, code: 'PB_ERR_RATE_LIMITED' },
      1,
    )
    const started = Date.now()
    expect((await user.connections.get(connectionId)).id).toBe(connectionId)
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(
      proxy
        .requests('GET', `/v1/connections/${connectionId}`)
        .slice(-2)
        .map((a) => a.fault),
    ).toEqual(['answer', 'passed'])
  })

  it('throws a 429 at once when its Retry-After is longer than maxRetryDelayMs', async () => {
    proxy.inject('GET', '/v1/me', { kind: 'answer', status: 429, headers: { 'retry-after': '120' }, code: 'PB_ERR_RATE_LIMITED' }, 1)
    const started = Date.now()
    const err = await failure(user.me())
    expect(err).toMatchObject({ code: 'PB_ERR_RATE_LIMITED', status: 429, retryAfter: 120 })
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('gives up after maxRetries 503s, with the request id of the last attempt (sent by the SDK, echoed by no one)', async () => {
    proxy.inject('GET', '/v1/me', { kind: 'answer', status: 503 }, 3)
    const err = await failure(user.me())
    expect(err).toBeInstanceOf(PatchbayError)
    expect(err).toMatchObject({ code: 'PB_ERR_NOT_READY', status: 503 })
    const attempts = proxy.requests('GET', '/v1/me').slice(-3)
    expect(attempts.map((a) => a.fault)).toEqual(['answer', 'answer', 'answer'])
    expect((err as PatchbayError).requestId).toBe(attempts[2]?.headers['request-id'])
    // One retry fewer, per call, succeeds after two 503s.
    proxy.inject('GET', '/v1/me', { kind: 'answer', status: 503 }, 2)
    expect((await user.me()).user_id).toBe('retry-user')
    // And none at all with maxRetries 0.
    proxy.inject('GET', '/v1/me', { kind: 'answer', status: 503 }, 1)
    await expect(user.me({ maxRetries: 0 })).rejects.toMatchObject({ code: 'PB_ERR_NOT_READY' })
  })

  it('never retries a write without an idempotency key (POST /v1/connections, PATCH)', async () => {
    const before = proxy.requests('POST', '/v1/connections').length
    proxy.inject('POST', '/v1/connections', { kind: 'answer', status: 503 }, 1)
    const create = user.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY }, allowMultiple: true })
    await expect(create).rejects.toMatchObject({ code: 'PB_ERR_NOT_READY', status: 503 })
    expect(proxy.requests('POST', '/v1/connections').length).toBe(before + 1)

    proxy.inject('PATCH', `/v1/connections/${connectionId}`, { kind: 'drop' }, 1)
    const err = await failure(user.connections.rename(connectionId, 'Billing'))
    expect(err).toMatchObject({ code: 'PB_ERR_NETWORK', status: 0 })
    // A network error carries the request id the SDK sent.
    expect((err as PatchbayError).requestId).toBe(proxy.requests('PATCH', `/v1/connections/${connectionId}`).at(-1)?.headers['request-id'])
  })

  it('retries a run whose answer was lost with the same Idempotency-Key: one run, not two', async () => {
    const runsBefore = (await user.runs.list({ limit: 100 })).data.length
    proxy.inject('POST', '/v1/runs', { kind: 'lose-answer' }, 1)
    const run = await user.runs.create({ action: 'fakestripe.get_account', connectionId, inputs: {}, wait: 10_000 })
    expect(run.status).toBe('succeeded')
    const attempts = proxy.requests('POST', '/v1/runs').slice(-2)
    expect(attempts.map((a) => a.fault)).toEqual(['lose-answer', 'passed'])
    const keys = attempts.map((a) => a.headers['idempotency-key'])
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(keys[1]).toBe(keys[0])
    expect(run.idempotency_key).toBe(keys[0])
    expect((await user.runs.list({ limit: 100 })).data.length).toBe(runsBefore + 1)
  })

  it('resolves a DELETE whose first answer was lost (the retry finds it gone)', async () => {
    const doomed = await user.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY }, allowMultiple: true })
    proxy.inject('DELETE', `/v1/connections/${doomed.id}`, { kind: 'lose-answer' }, 1)
    await user.connections.delete(doomed.id)
    expect(proxy.requests('DELETE', `/v1/connections/${doomed.id}`).map((a) => a.fault)).toEqual(['lose-answer', 'passed'])
    await expect(user.connections.get(doomed.id)).rejects.toMatchObject({ code: 'PB_ERR_NOT_FOUND' })
    // An id that never existed still throws.
    await expect(user.connections.delete('conn_never')).rejects.toMatchObject({ code: 'PB_ERR_NOT_FOUND' })
  })

  it('ends an attempt past timeoutMs with PB_ERR_TIMEOUT and its request id, and retries it when safe', async () => {
    proxy.inject('GET', `/v1/connections/${connectionId}`, { kind: 'hang' }, 1)
    const started = Date.now()
    const err = await failure(user.connections.get(connectionId, { timeoutMs: 300, maxRetries: 0 }))
    expect(Date.now() - started).toBeLessThan(3000)
    expect(err).toMatchObject({ code: 'PB_ERR_TIMEOUT', status: 0 })
    expect((err as PatchbayError).requestId).toBe(proxy.requests('GET', `/v1/connections/${connectionId}`).at(-1)?.headers['request-id'])

    proxy.inject('GET', `/v1/connections/${connectionId}`, { kind: 'hang' }, 1)
    expect((await user.connections.get(connectionId, { timeoutMs: 1000 })).id).toBe(connectionId)
  })

  it("stops at once when the caller's AbortSignal aborts, during an attempt or a wait", async () => {
    proxy.inject('GET', '/v1/me', { kind: 'hang' }, 1)
    const during = failure(user.me({ signal: AbortSignal.timeout(200) }))
    expect(await during).toMatchObject({ name: 'TimeoutError' })

    proxy.inject('GET', '/v1/me', { kind: 'answer', status: 429, headers: { 'retry-after': '20' }, code: 'PB_ERR_RATE_LIMITED' }, 1)
    const controller = new AbortController()
    const started = Date.now()
    const waiting = failure(user.me({ signal: controller.signal }))
    setTimeout(() => controller.abort(), 300)
    expect(await waiting).toMatchObject({ name: 'AbortError' })
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('retries the token exchange after a 503, with a new JWT (a jti is single use)', async () => {
    const fresh = patchbay.forUser({ userId: 'retry-exchange', tenantId: 'org-1' })
    proxy.inject('POST', '/oauth/token', { kind: 'answer', status: 503 }, 1)
    proxy.inject('POST', '/oauth/token', { kind: 'lose-answer' }, 1)
    expect((await fresh.me()).user_id).toBe('retry-exchange')
    const exchanges = proxy.requests('POST', '/oauth/token').slice(-3)
    expect(exchanges.map((a) => a.fault)).toEqual(['answer', 'lose-answer', 'passed'])
  })

  it('retries a connect session and an operator list after a reset', async () => {
    proxy.inject('POST', '/oauth/token', { kind: 'drop' }, 1)
    const session = await user.createConnectSession({ apps: ['fakestripe'] })
    expect(session.token).toMatch(/^pbsc_/)
    proxy.inject('GET', '/v1/partner/connections', { kind: 'drop' }, 1)
    const page = await patchbay.partner.connections.list({ userId: 'retry-user' })
    expect(page.data.map((c) => c.id)).toContain(connectionId)
  })
})

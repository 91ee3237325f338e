import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../helpers/api-call.js'
import { CookieJar, connectionsOf, type HttpAnswer, http, mintSession, openConnect, SAME_ORIGIN_POST } from '../helpers/connect-http.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { type DatabaseTarget, databaseTargets } from '../helpers/databases.js'
import { type SecondProcess, startSecondProcess } from '../helpers/second-process.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { basicAuth, JWT_TYPE, TOKEN_EXCHANGE } from '../helpers/token-request.js'

/**
 * docs/security.md, "Abuse" and docs/operations.md, "Rate limits": credential checks are limited per
 * connect session (per end user on the REST API) and per IP, so Patchbay cannot be used to try keys
 * against an app; the connect budget is one per IP across every route that takes a session code; and
 * on PostgreSQL every process counts against the same budget.
 */

const BAD_STRIPE_KEY = 'sk_test_WrongKey0123456789abcd'
const RANDOM_CODE = () => `pbsc_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')}`
const TOO_MANY = /Too many attempts/
/** Windows far longer than a test, so none ends halfway through one, however loaded the machine. */
const WINDOW = { 'rateLimit.windowSeconds': 3600 }

describe.each(databaseTargets)('credential attempts ($name)', (target) => {
  let s: ConnectSetup | undefined

  afterEach(async () => {
    await s?.close()
    s = undefined
  })

  /** The Connect UI for `fakestripe` (the local fake app that counts its credential checks). */
  async function setup(limits: Record<string, number>): Promise<ConnectSetup> {
    s = await startConnectSetup(target, { 'rateLimit.connectPerIp': 10_000, ...WINDOW, ...limits })
    return s
  }

  const checks = (setup: ConnectSetup) => setup.fakeApi.requests.filter((r) => r.path === '/v1/account').length

  async function openSession(setup: ConnectSetup, sub: string) {
    const { code, sessionId } = await mintSession(setup.t, {}, { sub })
    const jar = new CookieJar()
    await openConnect(setup.t.url, `/to/fakestripe?token=${code}`, jar)
    return {
      sessionId,
      submit: (key: string) =>
        http(`${setup.t.url}/connect/${sessionId}/fakestripe`, {
          jar,
          headers: SAME_ORIGIN_POST,
          form: { auth_option: 'api_key', api_key: key },
        }),
    }
  }

  function expectTooMany(res: HttpAnswer): void {
    expect(res.status).toBe(429)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.text).toMatch(TOO_MANY)
    expect(res.text).not.toContain(BAD_STRIPE_KEY)
  }

  it('lets at most credentialAttemptsPerSession keys of one session reach the app, and answers the rest with 429', async () => {
    const t = await setup({ 'rateLimit.credentialAttemptsPerSession': 5, 'rateLimit.credentialAttemptsPerIp': 1000 })
    const session = await openSession(t, 'oracle-session')
    const answers: HttpAnswer[] = []
    for (let i = 0; i < 40; i++) answers.push(await session.submit(`${BAD_STRIPE_KEY}${i}`))
    expect(checks(t)).toBe(5)
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([400, 400, 400, 400, 400])
    for (const res of answers.slice(5)) expectTooMany(res)
    // Even the right key waits for the window: nothing is asked, nothing stored.
    expectTooMany(await session.submit(GOOD_STRIPE_KEY))
    expect(checks(t)).toBe(5)
    expect(await connectionsOf(t.t.server.services.database.db, 'oracle-session')).toEqual([])
    // Another session (from the same IP, within its budget) is not held up by this one.
    const other = await openSession(t, 'oracle-other')
    expect((await other.submit(BAD_STRIPE_KEY)).status).toBe(400)
    expect(checks(t)).toBe(6)
  })

  it('lets at most credentialAttemptsPerIp keys from one IP reach the app, whatever the sessions', async () => {
    const t = await setup({ 'rateLimit.credentialAttemptsPerSession': 1000, 'rateLimit.credentialAttemptsPerIp': 6 })
    const statuses: number[] = []
    for (let n = 0; n < 5; n++) {
      const session = await openSession(t, `oracle-ip-${n}`)
      for (let i = 0; i < 3; i++) statuses.push((await session.submit(`${BAD_STRIPE_KEY}${n}${i}`)).status)
    }
    expect(checks(t)).toBe(6)
    expect(statuses).toEqual([...Array(6).fill(400), ...Array(9).fill(429)])
  })

  it('counts credentials sent to POST /connection-popup against the same per-IP budget', async () => {
    const t = await setup({ 'rateLimit.credentialAttemptsPerSession': 1000, 'rateLimit.credentialAttemptsPerIp': 3 })
    const answers: HttpAnswer[] = []
    for (let i = 0; i < 8; i++) {
      const { code } = await mintSession(t.t, {}, { sub: `oracle-popup-${i}` })
      const payload = {
        integrationKey: 'fakestripe',
        connectionParameters: { api_key: `${BAD_STRIPE_KEY}${i}` },
        token: code,
        redirectUri: t.partnerPage.returnUrl,
      }
      answers.push(await http(`${t.t.url}/connection-popup`, { form: { payload: JSON.stringify(payload) } }))
    }
    expect(checks(t)).toBe(3)
    // The first three were refused by the app (back to the partner with the error), the rest never asked.
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([303, 303, 303])
    for (const res of answers.slice(3)) expectTooMany(res)
  })

  it('limits POST /v1/connections per end user, answering 429 PB_ERR_RATE_LIMITED with Retry-After', async () => {
    const t = await setup({ 'rateLimit.credentialAttemptsPerSession': 4, 'rateLimit.credentialAttemptsPerIp': 1000 })
    const login = async (sub: string) => {
      const res = await fetch(`${t.t.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(t.t.partner.clientId, t.t.partner.clientSecret) },
        body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: await t.t.sign({ sub }), subject_token_type: JWT_TYPE }),
      })
      return ((await res.json()) as { access_token: string }).access_token
    }
    const token = await login('oracle-rest')
    const create = (key: string, bearer = token) =>
      call(`${t.t.url}/v1/connections`, { method: 'POST', token: bearer, body: { app: 'fakestripe', credentials: { api_key: key } } })
    const statuses: number[] = []
    for (let i = 0; i < 10; i++) {
      const res = await create(`${BAD_STRIPE_KEY}${i}`)
      statuses.push(res.status)
      if (res.status === 429) {
        expect(res.json.error.code).toBe('PB_ERR_RATE_LIMITED')
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
        expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(t.t.config.rateLimit.windowSeconds)
        expect(res.text).not.toContain(BAD_STRIPE_KEY)
      }
    }
    expect(checks(t)).toBe(4)
    expect(statuses).toEqual([...Array(4).fill(422), ...Array(6).fill(429)])
    // Another end user of the same partner has a budget of its own.
    expect((await create(GOOD_STRIPE_KEY, await login('oracle-rest-other'))).status).toBe(201)
  })
})

describe.each(databaseTargets)('one connect budget per IP across routes ($name)', (target) => {
  let t: TestServer

  beforeAll(async () => {
    t = await startTestServer({ target, config: { 'rateLimit.connectPerIp': 4, ...WINDOW } })
  })
  afterAll(() => t?.close())

  it('spends one connectPerIp budget over /to, /connect, /connection-popup and /connect/outcome', async () => {
    const statuses = [
      (await http(`${t.url}/to/stripe?token=${RANDOM_CODE()}`)).status,
      (await http(`${t.url}/connection-popup`, { form: { payload: JSON.stringify({ integrationKey: 'stripe', token: RANDOM_CODE() }) } }))
        .status,
      (await http(`${t.url}/connect/outcome`, { json: { token: RANDOM_CODE() } })).status,
      (await http(`${t.url}/connect?token=${RANDOM_CODE()}`)).status,
    ]
    expect(statuses).toEqual([404, 404, 404, 404])
    expect((await http(`${t.url}/connect/outcome`, { json: { token: RANDOM_CODE() } })).status).toBe(429)
    expect((await http(`${t.url}/connection-popup?integrationKey=stripe&token=${RANDOM_CODE()}`)).status).toBe(429)
    expect((await http(`${t.url}/to/stripe?token=${RANDOM_CODE()}`)).status).toBe(429)
  })
})

describe('the client IP per-IP budgets count', () => {
  let t: TestServer | undefined
  afterEach(async () => {
    await t?.close()
    t = undefined
  })
  const outcomeFrom = (forwardedFor: string) =>
    http(`${(t as TestServer).url}/connect/outcome`, { json: { token: RANDOM_CODE() }, headers: { 'x-forwarded-for': forwardedFor } })

  it('ignores X-Forwarded-For by default, so a client cannot give itself a fresh budget', async () => {
    t = await startTestServer({ target: databaseTargets[0] as DatabaseTarget, config: { 'rateLimit.connectPerIp': 2, ...WINDOW } })
    expect((await outcomeFrom('203.0.113.1')).status).toBe(404)
    expect((await outcomeFrom('203.0.113.2')).status).toBe(404)
    expect((await outcomeFrom('203.0.113.3')).status).toBe(429)
  })

  it('counts each client forwarded by a trusted proxy on its own budget (trustProxy)', async () => {
    t = await startTestServer({
      target: databaseTargets[0] as DatabaseTarget,
      config: { 'rateLimit.connectPerIp': 2, trustProxy: ['127.0.0.1'], ...WINDOW },
    })
    expect((await outcomeFrom('203.0.113.1')).status).toBe(404)
    expect((await outcomeFrom('203.0.113.1')).status).toBe(404)
    expect((await outcomeFrom('203.0.113.1')).status).toBe(429)
    // Another user behind the same proxy has a budget of their own.
    expect((await outcomeFrom('203.0.113.2')).status).toBe(404)
    // A client writing its own X-Forwarded-For in front of the proxy's entry does not escape: the
    // proxy appends the address it saw, the nearest untrusted one is what counts.
    expect((await outcomeFrom('198.51.100.7, 203.0.113.1')).status).toBe(429)
  })

  it('takes the address the nearest proxy saw with a hop count of 1', async () => {
    t = await startTestServer({
      target: databaseTargets[0] as DatabaseTarget,
      config: { 'rateLimit.connectPerIp': 1, trustProxy: 1, ...WINDOW },
    })
    expect((await outcomeFrom('198.51.100.7, 203.0.113.1')).status).toBe(404)
    expect((await outcomeFrom('198.51.100.8, 203.0.113.1')).status).toBe(429)
    expect((await outcomeFrom('198.51.100.7, 203.0.113.2')).status).toBe(404)
  })
})

describe.each(databaseTargets.filter((d) => d.name === 'postgres'))('rate limits across processes ($name)', (target) => {
  let t: TestServer
  let second: SecondProcess

  beforeAll(async () => {
    t = await startTestServer({ target, config: { 'rateLimit.connectPerIp': 4, 'rateLimit.tokenPerIp': 4, ...WINDOW } })
    second = await startSecondProcess(t, {
      PATCHBAY_RATE_LIMIT_CONNECT_PER_IP: '4',
      PATCHBAY_RATE_LIMIT_TOKEN_PER_IP: '4',
      PATCHBAY_RATE_LIMIT_WINDOW: '3600',
    })
  }, 30_000)
  afterAll(async () => {
    await second?.stop()
    await t?.close()
  })

  it('shares one connect budget between two Patchbay processes on the same database', async () => {
    const open = (base: string) => http(`${base}/connect?token=${RANDOM_CODE()}`)
    const statuses = [
      (await open(t.url)).status,
      (await open(second.url)).status,
      (await open(t.url)).status,
      (await open(second.url)).status,
    ]
    expect(statuses).toEqual([404, 404, 404, 404])
    expect((await open(t.url)).status).toBe(429)
    expect((await open(second.url)).status).toBe(429)
  })

  it('shares the token endpoint budget per IP between two processes', async () => {
    const post = (base: string) =>
      fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=x',
      })
    const statuses: number[] = []
    for (const base of [t.url, second.url, t.url, second.url, t.url, second.url]) statuses.push((await post(base)).status)
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429])
  })
})

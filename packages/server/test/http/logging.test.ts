import { Writable } from 'node:stream'
import type { Logger } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, requestChildLogger } from '../../src/logger.js'
import { databaseTargets } from '../helpers/databases.js'
import { basicAuth, exchangeParams, postToken } from '../helpers/token-request.js'
import { addConnection, API_KEY, apiKeyApp, type EndUser, endUser, type Upstream, startUpstream, until } from '../proxy/proxy-setup.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'

interface LogLine {
  level: number
  msg: string
  reqId?: string
  code?: string
  status?: number
  err?: { stack?: string; code?: string }
  [key: string]: unknown
}

const WARN = 40
const ERROR = 50

// What is logged does not depend on the database: SQLite only.
describe.each(databaseTargets.slice(0, 1))('logging of failures ($name)', (target) => {
  let t: TestServer
  let down: Upstream
  let auth: { authorization: string }
  let conn: string
  let user: EndUser

  beforeAll(async () => {
    // An app whose API cannot be reached: every proxied call is an expected 502.
    down = await startUpstream()
    await down.close()
    t = await startTestServer({ target, config: { apps: [apiKeyApp('gone', `${down.url}/api`), oauthApp('gone-oauth', down.url)] } })
    await t.server.services.partnerApps.set(t.partner.id, 'gone-oauth', {
      clientId: 'gone-client',
      clientSecret: 'gone-secret',
      scopes: [],
    })
    user = await endUser(t, 'logger')
    auth = user.auth
    conn = await addConnection(t, user, { app: 'gone', credentials: { api_key: API_KEY } })
  })
  afterAll(() => t?.close())

  /** The log lines of one request, once its completion is logged. */
  async function linesOf(reqId: string): Promise<LogLine[]> {
    const all = () => t.logs.map((l) => JSON.parse(l) as LogLine).filter((l) => l.reqId === reqId)
    await until(() => all().some((l) => l.msg === 'request completed'))
    return all()
  }

  it('logs an upstream 502 at warn, with its error code and without a stack trace', async () => {
    const res = await fetch(`${t.url}/v1/proxy/${conn}/x`, { headers: { ...auth, 'request-id': 'log-502' } })
    expect(res.status).toBe(502)
    const lines = await linesOf('log-502')
    const failure = lines.find((l) => l.level >= WARN && l.msg !== 'request completed')
    expect(failure, JSON.stringify(lines)).toBeDefined()
    expect(failure?.level).toBe(WARN)
    expect(failure?.code).toBe('PB_ERR_UPSTREAM')
    expect(JSON.stringify(failure)).not.toContain('"stack"')
    expect(lines.some((l) => l.level >= ERROR)).toBe(false)
    expect(t.logs.join('\n')).not.toContain(API_KEY)
  })

  it('logs a refused request (4xx) at warn with its error code, never "[REDACTED]"', async () => {
    const res = await fetch(`${t.url}/v1/connections/conn_missing`, { headers: { ...auth, 'request-id': 'log-404' } })
    expect(res.status).toBe(404)
    const lines = await linesOf('log-404')
    const failure = lines.find((l) => l.level === WARN)
    expect(failure?.code).toBe('PB_ERR_NOT_FOUND')
    expect(failure?.status).toBe(404)
    expect(JSON.stringify(failure)).not.toContain('"stack"')

    const refused = await postToken(t.url, t.partner, { params: exchangeParams('not-a-jwt'), headers: { 'request-id': 'log-oauth' } })
    expect(refused.status).toBe(400)
    const oauthLines = await linesOf('log-oauth')
    expect(oauthLines.find((l) => l.level === WARN)?.code).toBe('invalid_grant')
    expect(t.logs.join('\n')).not.toContain('"code":"[REDACTED]"')
  })

  /** An OAuth2 connection to `gone-oauth`; `expired` makes its next use refresh the token. */
  function oauthConnection(expired: boolean): Promise<string> {
    return addConnection(t, user, {
      app: 'gone-oauth',
      authOption: 'oauth2',
      authType: 'oauth2',
      credentials: { access_token: 'gone-access', refresh_token: 'gone-refresh', token_type: 'Bearer' },
      expiresAt: expired ? Date.now() - 1000 : Date.now() + 3600_000,
    })
  }

  /** The request's id as answered, and the `msg` lines a service logged about `about` (a connection or partner id). */
  async function serviceLines(res: Response, msg: string, about: Record<string, string>, count = 1) {
    await res.arrayBuffer()
    const reqId = res.headers.get('request-id') ?? ''
    expect(reqId).not.toBe('')
    const [field, value] = Object.entries(about)[0] as [string, string]
    const lines = () => t.logs.map((l) => JSON.parse(l) as LogLine).filter((l) => l.msg === msg && l[field] === value)
    await until(() => lines().length >= count, 5000, msg)
    return { reqId, lines: lines() }
  }

  it("tags a service's line with the request's reqId: revocation failing on DELETE /v1/connections/:id", async () => {
    const id = await oauthConnection(false)
    const res = await fetch(`${t.url}/v1/connections/${id}`, { method: 'DELETE', headers: auth })
    expect(res.status).toBe(204)
    const { reqId, lines } = await serviceLines(res, 'token revocation failed', { connection: id }, 2)
    expect(lines.map((l) => l.reqId)).toEqual([reqId, reqId])
  })

  it.each([
    ['GET /v1/connections/:id/credentials', (id: string) => `/v1/connections/${id}/credentials`],
    ['a proxied call', (id: string) => `/v1/proxy/${id}/x`],
  ])("tags a service's line with the request's reqId: a refresh failing on %s", async (_, path) => {
    const id = await oauthConnection(true)
    const res = await fetch(`${t.url}${path(id)}`, { headers: auth })
    expect(res.status).toBe(502)
    const { reqId, lines } = await serviceLines(res, 'token refresh failed', { connection: id })
    expect(lines.map((l) => l.reqId)).toEqual([reqId])
  })

  it("tags a service's line with the request's reqId: a partner's JWKS failing on a token exchange", async () => {
    const partner = await t.addPartner({ id: 'jwks-gone', jwksUrl: `${down.url}/jwks` })
    const token = await partner.sign({ sub: 'u' })
    const res = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(partner.clientId, partner.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(exchangeParams(token) as Record<string, string>).toString(),
    })
    expect(res.status).toBe(400)
    const { reqId, lines } = await serviceLines(res, 'partner JWKS fetch failed', { partner: partner.id })
    expect(lines.map((l) => l.reqId)).toEqual([reqId])
  })

  it('still keeps OAuth authorization codes out of the log', async () => {
    await fetch(`${t.url}/oauth2/callback/gone?code=authcode-secret-123&state=st-secret-456`, { headers: { 'request-id': 'log-cb' } })
    await linesOf('log-cb')
    const logs = t.logs.join('\n')
    expect(logs).not.toContain('authcode-secret-123')
    expect(logs).not.toContain('st-secret-456')
  })
})

/** An OAuth2 app whose token and revocation endpoints are on `base` (an address nothing listens on). */
function oauthApp(key: string, base: string): Record<string, unknown> {
  return {
    ...apiKeyApp(key, `${base}/api`),
    auth: [
      {
        key: 'oauth2',
        type: 'oauth2',
        authorization_url: `${base}/authorize`,
        token_url: `${base}/token`,
        revocation_url: `${base}/revoke`,
        scopes: [],
        inject: { headers: { Authorization: 'Bearer {credentials.access_token}' } },
      },
    ],
  }
}

describe('the logger', () => {
  /** The server's logger at level info, writing its lines to `out`. */
  function capture() {
    const out: string[] = []
    const log = createLogger(
      { logLevel: 'info' },
      new Writable({
        write(chunk, _enc, cb) {
          out.push(chunk.toString())
          cb()
        },
      }),
    )
    return { log, out }
  }

  it('redacts an OAuth code in a logged query or body, and keeps every other code', () => {
    const { log, out } = capture()
    log.info({ query: { code: 'oauth-code-1', state: 's' }, body: { code: 'oauth-code-2' } }, 'callback')
    log.warn({ code: 'PB_ERR_UPSTREAM', err: { code: 'ECONNREFUSED', message: 'refused' } }, 'failed')
    const text = out.join('')
    expect(text).not.toContain('oauth-code-1')
    expect(text).not.toContain('oauth-code-2')
    expect(text).toContain('"code":"PB_ERR_UPSTREAM"')
    expect(text).toContain('"code":"ECONNREFUSED"')
  })

  it("writes a request's child lines exactly as pino's own child does, redacted alike", () => {
    const write = (child: Logger) => {
      child.info({ body: { client_secret: 'cs-1', token: 'tk-1', name: 'kept' }, reqId: 'inner' }, 'line')
      child.child({ connection: { id: 'conn_1', secret: 'sec-1' } }).warn({ headers: { api_key: 'ak-1' } }, 'nested')
    }
    const pinos = capture()
    const ours = capture()
    for (const reqId of ['9b3c1d2e-0f4a-4b5c-8d6e-7f8091a2b3c4', 'lb.trace:01-ab_C']) {
      write(pinos.log.child({ reqId }, {}))
      write(requestChildLogger(ours.log, { reqId }, {}))
    }
    // Only the time differs from one line to the next.
    const untimed = (lines: string[]) => lines.map((l) => l.replace(/"time":\d+,/, ''))
    expect(untimed(ours.out)).toEqual(untimed(pinos.out))
    const text = ours.out.join('')
    expect(text).toContain('"reqId":"lb.trace:01-ab_C"')
    expect(text).toContain('"name":"kept"')
    for (const secret of ['cs-1', 'tk-1', 'ak-1', 'sec-1']) expect(text).not.toContain(secret)
    // A route-level option (Patchbay sets none) goes through pino's own child.
    const debug = requestChildLogger(ours.log, { reqId: 'r' }, { level: 'debug' })
    expect(debug.level).toBe('debug')
  })
})

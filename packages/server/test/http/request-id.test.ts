import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { rawRequest, type ProxySetup, startProxySetup, until } from '../proxy/proxy-setup.js'

interface LogLine {
  reqId?: string
  msg?: string
}

/** Log lines of the test server, parsed. */
function parsed(lines: string[]): LogLine[] {
  return lines.map((l) => JSON.parse(l) as LogLine)
}

// The request id does not depend on the database: SQLite only.
describe.each(databaseTargets.slice(0, 1))('request ids ($name)', (target) => {
  let s: ProxySetup

  beforeAll(async () => {
    s = await startProxySetup(target)
    // The app answers with a request id of its own: Patchbay's still goes back to the caller.
    s.upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'request-id': 'upstream-id' }).end('ok')
    })
  })
  afterAll(() => s?.close())

  it('sends a generated request-id on every response, different for each request', async () => {
    const a = await fetch(`${s.t.url}/healthz`)
    const b = await fetch(`${s.t.url}/no/such/route`)
    const idA = a.headers.get('request-id')
    const idB = b.headers.get('request-id')
    expect(idA).toMatch(/^[A-Za-z0-9._:-]{8,128}$/)
    expect(idB).toMatch(/^[A-Za-z0-9._:-]{8,128}$/)
    expect(idA).not.toBe(idB)
    expect(b.status).toBe(404)
  })

  it('sends the request id on answers Fastify gives before any route or hook runs (a malformed URL)', async () => {
    const res = await rawRequest(s.t.url, { path: '/v1/connections/%zz', headers: { 'request-id': 'bad-url-1' } })
    expect(res.status).toBe(400)
    expect(res.headers['request-id']).toBe('bad-url-1')
  })

  it('takes a well-formed incoming request-id or x-request-id, and replaces a malformed one', async () => {
    const given = await fetch(`${s.t.url}/healthz`, { headers: { 'request-id': 'trace-1.2:3_X' } })
    expect(given.headers.get('request-id')).toBe('trace-1.2:3_X')
    const x = await fetch(`${s.t.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } })
    expect(x.headers.get('request-id')).toBe('abc-123')
    for (const bad of ['has space', 'a'.repeat(129), 'x"}{"level":60', '']) {
      const res = await fetch(`${s.t.url}/healthz`, { headers: { 'request-id': bad } })
      const id = res.headers.get('request-id')
      expect(id, bad).toMatch(/^[A-Za-z0-9._:-]{8,128}$/)
      expect(id, bad).not.toBe(bad)
    }
  })

  it('puts the request id on every log line of the request', async () => {
    const res = await fetch(`${s.t.url}/v1/connections/conn_nope`, { headers: { 'request-id': 'log-line-check-1' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('request-id')).toBe('log-line-check-1')
    await until(() => parsed(s.t.logs).some((l) => l.reqId === 'log-line-check-1' && l.msg === 'request completed'))
    const lines = parsed(s.t.logs).filter((l) => l.reqId === 'log-line-check-1')
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']))
  })

  it('sends the request id on proxied calls: errors, the app answer, and the log line', async () => {
    const refused = await rawRequest(s.t.url, { path: `/v1/proxy/${s.conn}/x` })
    expect(refused.status).toBe(401)
    expect(refused.headers['request-id']).toMatch(/^[A-Za-z0-9._:-]{8,128}$/)

    const passed = await rawRequest(s.t.url, {
      path: `/v1/proxy/${s.conn}/x`,
      headers: { ...s.alice.auth, 'x-request-id': 'proxy-call-7' },
    })
    expect(passed.status).toBe(200)
    expect(passed.body).toBe('ok')
    expect(passed.headers['request-id']).toBe('proxy-call-7')
    await until(() => parsed(s.t.logs).some((l) => l.reqId === 'proxy-call-7' && l.msg === 'request completed'))
  })
})

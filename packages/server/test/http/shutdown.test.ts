import { once } from 'node:events'
import { Agent, request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startProxySetup, until } from '../proxy/proxy-setup.js'

/**
 * How long close() may take in these tests. Without the fix a connection kept alive by its client
 * held close() for the server's keep-alive timeout (72 s, over the suite's 60 s hook timeout).
 */
const BOUND_MS = 20_000

/** Resolves with close()'s duration, or with Infinity once BOUND_MS has passed (the test then fails instead of hanging). */
async function timed(closing: Promise<void>): Promise<number> {
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  const ms = await Promise.race([
    closing.then(() => Date.now() - started),
    new Promise<number>((resolve) => {
      timer = setTimeout(() => resolve(Number.POSITIVE_INFINITY), BOUND_MS)
    }),
  ])
  clearTimeout(timer)
  return ms
}

// Socket handling does not depend on the database: SQLite only.
describe.each(databaseTargets.slice(0, 1))('graceful shutdown is bounded ($name)', (target) => {
  it.each([
    ['before the app answered', false],
    ['while its body streams', true],
  ])('ends close() once a proxied call in flight %s is answered, though its caller keeps connections alive', async (_when, streaming) => {
    const s = await startProxySetup(target)
    const agent = new Agent({ keepAlive: true })
    let release: () => void = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    try {
      s.upstream.handle(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        // Streaming: the head (keep-alive) is out before close() begins, so only closing the connection afterwards helps.
        if (streaming) res.write('fini')
        await released
        res.end(streaming ? 'shed' : 'finished')
      })
      let gotHead = false
      const answer = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        httpRequest(s.proxyUrl(s.conn, '/slow'), { agent, headers: s.alice.auth }, (res) => {
          gotHead = true
          let body = ''
          res.on('data', (c: Buffer) => {
            body += c.toString()
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }))
        })
          .on('error', reject)
          .end()
      })
      await until(() => s.upstream.requests.length === 1, 5000, 'the call to reach the upstream')
      if (streaming) await until(() => gotHead, 5000, 'the head at the caller')
      const closing = s.t.server.close()
      await until(() => !s.t.server.app.server.listening, 5000, 'the server to stop listening')
      release()
      const ms = await timed(closing)
      expect(ms).toBeLessThan(BOUND_MS)
      expect(await answer).toEqual({ status: 200, connection: streaming ? 'keep-alive' : 'close', body: 'finished' })
    } finally {
      release()
      agent.destroy()
      await s.close()
    }
  })

  it('ends close() once a Fastify request whose body was still arriving is answered', async () => {
    const s = await startProxySetup(target)
    const socket = connect(Number(new URL(s.t.url).port), '127.0.0.1')
    const incoming = () => s.t.logs.filter((line) => line.includes('"incoming request"')).length
    const before = incoming()
    try {
      await once(socket, 'connect')
      let received = ''
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1')
      })
      socket.on('error', () => {})
      const ended = once(socket, 'close')
      const body = 'grant_type=client_credentials'
      socket.write(
        `POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
      )
      // The server has the head before it closes: the request is then in flight, its body unfinished.
      await until(() => incoming() > before, 5000, 'the request to reach Fastify')
      const closing = s.t.server.close()
      await until(() => !s.t.server.app.server.listening, 5000, 'the server to stop listening')
      socket.write(body.slice(5))
      const ms = await timed(closing)
      expect(ms).toBeLessThan(BOUND_MS)
      // The server closed its side once the answer was out.
      await ended
      expect(received).toMatch(/^HTTP\/1\.1 [45]\d\d /)
      expect(received).toMatch(/\r\nconnection: close\r\n/i)
    } finally {
      socket.destroy()
      await s.close()
    }
  })

  it('ends close() within shutdownTimeoutMs while a proxied call is still waiting for its app', async () => {
    const s = await startProxySetup(target, { config: { shutdownTimeoutMs: 1000, proxy: { headersTimeoutMs: 90_000 } } })
    try {
      s.upstream.handle(() => new Promise(() => {}))
      const call = fetch(s.proxyUrl(s.conn, '/never'), { headers: s.alice.auth }).then(
        (res) => res.status,
        (err: Error) => err,
      )
      await until(() => s.upstream.requests.length === 1, 5000, 'the call to reach the upstream')
      const ms = await timed(s.t.server.close())
      expect(ms).toBeGreaterThanOrEqual(900)
      expect(ms).toBeLessThan(BOUND_MS)
      // The caller is not left waiting: its connection was closed.
      expect(await call).toBeInstanceOf(Error)
      expect(s.t.logs.some((line) => line.includes('"shutdown timeout'))).toBe(true)
    } finally {
      await s.close()
    }
  })
})

import { once } from 'node:events'
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'

/**
 * Opens a raw TCP connection, sends the headers of a POST announcing 100 bytes and only 10 of them,
 * then waits for the server to close it. Resolves with what the server sent and how long it took.
 */
async function halfBody(url: string, path: string): Promise<{ received: string; ms: number }> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1')
  })
  socket.on('error', () => {})
  const started = Date.now()
  // Without a bound the server never closes it: give up (and fail) after 30 s rather than hang.
  const giveUp = setTimeout(() => {
    received += '[still open after 30 s]'
    socket.destroy()
  }, 30_000)
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":"xxx"`)
  await once(socket, 'close')
  clearTimeout(giveUp)
  return { received, ms: Date.now() - started }
}

// Socket handling does not depend on the database: SQLite only.
describe.each(databaseTargets.slice(0, 1))('inbound request timeouts ($name)', (target) => {
  let t: TestServer | undefined
  afterEach(async () => {
    await t?.close()
    t = undefined
  })

  it('answers 408 and closes a request whose body stops halfway, within requestTimeoutMs', { timeout: 60_000 }, async () => {
    t = await startTestServer({ target, config: { requestTimeoutMs: 1000, connectionTimeoutMs: 60_000 } })
    const { received, ms } = await halfBody(t.url, '/v1/sessions')
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
    // Bound plus the server's checking interval, with room for a loaded machine; without the setting it never closes.
    expect(ms).toBeGreaterThanOrEqual(900)
    expect(ms).toBeLessThan(25_000)
  })

  it('closes a connection that goes quiet for connectionTimeoutMs', { timeout: 60_000 }, async () => {
    t = await startTestServer({ target, config: { requestTimeoutMs: 60_000, connectionTimeoutMs: 1000 } })
    const { received, ms } = await halfBody(t.url, '/oauth/token')
    expect(received).not.toContain('still open')
    expect(ms).toBeGreaterThanOrEqual(900)
    expect(ms).toBeLessThan(25_000)
  })

  it('bounds both by default', async () => {
    t = await startTestServer({ target })
    expect(t.server.app.server.requestTimeout).toBe(60_000)
    expect(t.server.app.server.timeout).toBe(120_000)
  })
})

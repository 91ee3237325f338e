import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isDeepStrictEqual } from 'node:util'
import type { FixtureExchange, FixtureRequest } from './fixtures.js'

/**
 * A local stand-in for the app's API that plays one fixture case: each request must be the next
 * expected one (method, path, query, body, listed headers); it gets the recorded answer. A request
 * that differs is answered 500 and noted, so the case fails saying why.
 */
export interface FixtureFake {
  /** `http://127.0.0.1:<port>`: put it (plus the app's base path) where the app's API is. */
  url: string
  /** Where to put the app's other base URL `name` (plus its base path): requests there are told apart. */
  baseUrl(name: string): string
  /** Starts a case: the exchanges to expect, in order. */
  play(exchanges: FixtureExchange[]): void
  /** What went wrong in the case so far (unexpected requests, differences). */
  problems(): string[]
  /** Expected exchanges not made yet. */
  remaining(): number
  close(): Promise<void>
}

function bodyOf(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined
  if (/\bjson\b/i.test(contentType ?? '')) {
    try {
      return JSON.parse(raw)
    } catch {
      return raw
    }
  }
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) return Object.fromEntries(new URLSearchParams(raw))
  return raw
}

function differences(
  expected: FixtureRequest,
  req: IncomingMessage,
  url: URL,
  base: string | undefined,
  path: string,
  body: unknown,
): string[] {
  const out: string[] = []
  const on = (b: string | undefined) => (b === undefined ? '' : ` (base ${b})`)
  const shown = `${req.method} ${path}${on(base)}`
  if (req.method !== expected.method.toUpperCase() || path !== expected.path || base !== expected.base) {
    return [`expected ${expected.method} ${expected.path}${on(expected.base)}, got ${shown}`]
  }
  const query = Object.fromEntries(url.searchParams)
  if (!isDeepStrictEqual(query, expected.query ?? {})) {
    out.push(`${shown}: query ${JSON.stringify(query)}, expected ${JSON.stringify(expected.query ?? {})}`)
  }
  if (!isDeepStrictEqual(body, expected.body)) {
    out.push(`${shown}: body ${JSON.stringify(body)}, expected ${JSON.stringify(expected.body)}`)
  }
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const got = req.headers[name.toLowerCase()]
    if (got !== value) out.push(`${shown}: header ${name} is ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`)
  }
  return out
}

export async function startFixtureFake(options: { basePath?: string; basePaths?: Record<string, string> } = {}): Promise<FixtureFake> {
  const basePath = (options.basePath ?? '').replace(/\/$/, '')
  let queue: FixtureExchange[] = []
  let problems: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fixture.invalid')
      const other = /^\/__base\/([a-z0-9_]+)(\/.*)?$/.exec(url.pathname)
      const base = other?.[1]
      const full = other ? (other[2] ?? '/') : url.pathname
      const prefix = base === undefined ? basePath : (options.basePaths?.[base] ?? '').replace(/\/$/, '')
      const path = prefix !== '' && full.startsWith(prefix) ? full.slice(prefix.length) || '/' : full
      const body = bodyOf(Buffer.concat(chunks).toString('utf8'), req.headers['content-type'])
      const next = queue.shift()
      const found = next ? differences(next.request, req, url, base, path, body) : [`unexpected request ${req.method} ${path}`]
      if (!next || found.length > 0) {
        problems.push(...found)
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'fixture mismatch' }))
        return
      }
      const answer = next.response
      const headers: Record<string, string> = { ...(answer.headers ?? {}) }
      let payload = ''
      if (answer.body !== undefined) {
        if (typeof answer.body === 'string') payload = answer.body
        else {
          payload = JSON.stringify(answer.body)
          if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
        }
      }
      res.writeHead(answer.status, headers).end(payload)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    baseUrl: (name) => `http://127.0.0.1:${port}/__base/${name}`,
    play(exchanges) {
      queue = [...exchanges]
      problems = []
    },
    problems: () => [...problems],
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

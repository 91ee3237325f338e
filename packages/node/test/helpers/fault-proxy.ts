import { createServer, type IncomingHttpHeaders, request as httpRequest } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * What the proxy does to a request instead of (or after) passing it on:
 * - `drop`: closes the connection before Patchbay sees the request (a reset);
 * - `answer`: answers itself with `status`, `headers` and a Patchbay error body (`code`), like a
 *   load balancer or a rate limiter in front of Patchbay;
 * - `hang`: never answers (the client's time limit ends it);
 * - `lose-answer`: passes the request on, lets Patchbay answer, then closes the connection without
 *   sending that answer (the request was carried out; the client cannot know).
 */
export type Fault =
  | { kind: 'drop' }
  | { kind: 'answer'; status: number; headers?: Record<string, string>; code?: string }
  | { kind: 'hang' }
  | { kind: 'lose-answer' }

/** A request the proxy received. */
export interface SeenRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** What the proxy did with it. */
  fault: Fault['kind'] | 'passed'
}

export interface FaultProxy {
  url: string
  seen: SeenRequest[]
  /** The next `times` requests matching `method` and `path` (a prefix, or a pattern) get `fault`. */
  inject(method: string, path: string | RegExp, fault: Fault, times: number): void
  /** The requests seen for `method` and `path` (as for inject). */
  requests(method: string, path: string | RegExp): SeenRequest[]
  close(): Promise<void>
}

interface Rule {
  method: string
  path: string | RegExp
  fault: Fault
  left: number
}

function matches(method: string, path: string, ruleMethod: string, rulePath: string | RegExp): boolean {
  if (method !== ruleMethod) return false
  return typeof rulePath === 'string' ? path.split('?')[0] === rulePath : rulePath.test(path)
}

/**
 * A local HTTP proxy (127.0.0.1, a free port) in front of a Patchbay server that passes every request
 * on, except the ones a test set a fault for: the SDK's retries meet real resets, real 429s and 503s,
 * and requests that reach Patchbay while their answers are lost.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target)
  const rules: Rule[] = []
  const seen: SeenRequest[] = []
  const sockets = new Set<Socket>()

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET'
    const path = req.url ?? '/'
    const rule = rules.find((r) => r.left > 0 && matches(method, path, r.method, r.path))
    if (rule) rule.left--
    const fault = rule?.fault
    seen.push({ method, path, headers: req.headers, fault: fault?.kind ?? 'passed' })
    if (fault?.kind === 'drop') {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'hang') return
    if (fault?.kind === 'answer') {
      const body = JSON.stringify({ error: { code: fault.code ?? 'PB_ERR_NOT_READY', message: `injected ${fault.status}` } })
      req.resume()
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(body)
      return
    }
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method, path, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        if (fault?.kind === 'lose-answer') {
          // Patchbay did the work; its answer never reaches the client.
          answer.resume()
          answer.once('end', () => req.socket.destroy())
          return
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    forwarded.once('error', () => req.socket.destroy())
    req.pipe(forwarded)
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    inject(method, path, fault, times) {
      rules.push({ method, path, fault, left: times })
    },
    requests(method, path) {
      return seen.filter((r) => matches(r.method, r.path, method, path))
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

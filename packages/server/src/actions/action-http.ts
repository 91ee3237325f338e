import { Readable } from 'node:stream'
import {
  type ActionHttp,
  ActionHttpError,
  type ActionHttpRequest,
  type ActionHttpResponse,
  decodeActionResponse,
  encodeActionRequest,
  httpVerbs,
} from '@patchbay/catalog'
import type { Owner } from '../connections/connection-types.js'
import type { LineLogger } from '../logger.js'
import type { ProxyService } from '../proxy/proxy.js'

/** One exchange as a run's log keeps it: no header, no body, query values of secret-looking names hidden. */
export interface HttpExchange {
  method: string
  path: string
  status: number | null
  duration_ms: number
  error?: string
}

export interface ActionHttpOptions {
  proxy: ProxyService
  owner: Owner
  connectionId: string
  signal: AbortSignal
  log: () => LineLogger
  /** Largest answer an action reads into memory. */
  maxResponseBytes: number
  /** Called after every exchange (the run's log). */
  onExchange?(exchange: HttpExchange): void
}

const SECRET_NAME = /token|secret|key|password|passwd|signature|sig|code|auth|session|credential/i

/** The path and query as logged: values of parameters whose names look secret are replaced. */
export function redactedPath(pathAndQuery: string): string {
  const at = pathAndQuery.indexOf('?')
  if (at === -1) return pathAndQuery
  const params = new URLSearchParams(pathAndQuery.slice(at + 1))
  const shown = [...params].map(
    ([name, value]) => `${encodeURIComponent(name)}=${SECRET_NAME.test(name) ? '[redacted]' : encodeURIComponent(value)}`,
  )
  return `${pathAndQuery.slice(0, at)}?${shown.join('&')}`
}

function flatHeaders(
  headers: Record<string, string | string[] | undefined> | import('node:http').OutgoingHttpHeaders,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return out
}

/**
 * `ctx.http` of an action: each call goes through {@link ProxyService.forward}, the code path of
 * `/v1/proxy`, so an action gets exactly the proxy's guarantees (docs/actions.md, "ctx.http").
 */
export function createActionHttp(options: ActionHttpOptions): ActionHttp {
  const request = async <T>(req: ActionHttpRequest): Promise<ActionHttpResponse<T>> => {
    const { method, base, pathAndQuery: tail, headers, body } = encodeActionRequest(req)
    const started = performance.now()
    const logged: HttpExchange = { method, path: redactedPath(tail), status: null, duration_ms: 0 }
    try {
      const res = await options.proxy.forward({
        owner: options.owner,
        connectionId: options.connectionId,
        method,
        tail,
        headers,
        body: Readable.from(body ? [body] : []),
        retry429: 0,
        gone: () => options.signal.aborted,
        signal: options.signal,
        log: options.log,
        ...(base !== undefined ? { base } : {}),
      })
      logged.status = res.statusCode
      const raw = res.body ? await res.body.collect(Math.min(res.maxBytes, options.maxResponseBytes)) : Buffer.alloc(0)
      return decodeActionResponse<T>(method, logged.path, res.statusCode, flatHeaders(res.headers), raw.toString('utf8'))
    } catch (err) {
      if (!(err instanceof ActionHttpError)) logged.error = (err as Error).message
      throw err
    } finally {
      logged.duration_ms = Math.round(performance.now() - started)
      options.onExchange?.(logged)
    }
  }
  return httpVerbs(request)
}

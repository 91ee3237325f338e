import { type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger, pino } from 'pino'
import type { Config } from './config/config.js'

/**
 * Secrets never reach a log line: credential headers, token-bearing body fields and sensitive
 * query parameters are redacted, and request URLs are logged with those parameters censored.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.client_secret',
  '*.clientSecret',
  '*.subject_token',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  // OAuth authorization codes only (a callback's query or form body): `code` elsewhere is an error code.
  'query.code',
  '*.query.code',
  'body.code',
  '*.body.code',
  '*.password',
  '*.api_key',
  '*.apiKey',
  '*.secret',
]

// connectionParameters and payload: /connection-popup (docs/api.md) may carry credentials (an API key) in the query.
const SENSITIVE_QUERY =
  /([?&](?:token|code|state|access_token|refresh_token|client_secret|api_key|oauth_token|oauth_verifier|connectionParameters|payload)=)[^&#]*/gi

export function censorUrl(url: string): string {
  return url.replace(SENSITIVE_QUERY, '$1[REDACTED]')
}

/**
 * What a service writes its lines with. Work done for a request is given the request's logger
 * (`req.log`, or a child with its `reqId` on the proxy path) so its lines carry that `reqId`;
 * background work (sweeps, webhook delivery) uses the app's logger.
 */
export interface LineLogger {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

/** The server's logger; tests pass a destination to read what would have been written. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    serializers: {
      req(req: { method: string; url: string; ip?: string; id?: string }) {
        return { method: req.method, url: censorUrl(req.url), remoteAddress: req.ip }
      },
    },
  }
  return destination ? pino(options, destination) : pino(options)
}

const { chindingsSym } = pino.symbols
const NO_BINDINGS: Bindings = {}

/**
 * Fastify's per-request child logger (its `childLoggerFactory`), the same lines as `logger.child(bindings, opts)`
 * at a fraction of the cost. Fastify creates a child for every request, logged or not, and pino runs each
 * binding through the redaction's wildcard paths (`*.token`…), which parse every path again on each call:
 * 22,000 of the 186,000 instructions an authenticated request took (BENCHMARKS.md, "Instructions per
 * request"). The request id is a string checked to be one (http/request-id.ts), so nothing in it can be
 * redacted: it is appended to the child's bindings as JSON, and only route-level options, which Patchbay
 * does not set, take pino's own path.
 */
export function requestChildLogger(logger: Logger, bindings: Bindings, opts: ChildLoggerOptions): Logger {
  const keys = Object.keys(bindings)
  const reqId: unknown = bindings[keys[0] as string]
  if (keys.length !== 1 || typeof reqId !== 'string' || opts.level !== undefined || opts.serializers !== undefined) {
    return logger.child(bindings, opts)
  }
  // No options: pino's fast path, which copies the parent's bindings and runs no formatter or redaction.
  const child = logger.child(NO_BINDINGS)
  ;(child as unknown as Record<symbol, string>)[chindingsSym] += `,${JSON.stringify(keys[0])}:${JSON.stringify(reqId)}`
  return child
}

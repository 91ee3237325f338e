import { type DestinationStream, type Logger, pino } from 'pino'
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

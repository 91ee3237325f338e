import { OutboundBlockedError } from '../../outbound/address-policy.js'
import { OutboundResponseTooLargeError, type SafeHttpClient } from '../../outbound/safe-fetch.js'
import { OAuth1Error } from './errors.js'
import type { OAuth1HttpRequest } from './sign.js'

/** The part of a provider response the process functions read (a `SafeResponse` fits). */
export interface OAuth1Response {
  status: number
  body: string | Buffer
}

export interface OAuth1HttpOptions {
  /** Default 10 s. */
  timeoutMs?: number
}

/** Token responses are a few hundred bytes; anything near this is not one. */
export const MAX_RESPONSE_BYTES = 64 * 1024
export const DEFAULT_TIMEOUT_MS = 10_000
const MAX_TOKEN_LENGTH = 4096

/** @internal Sends a built request through the SafeHttpClient; transport failures become OAuth1Error (policy refusals pass through). */
export async function send(http: SafeHttpClient, req: OAuth1HttpRequest, options: OAuth1HttpOptions): Promise<OAuth1Response> {
  try {
    return await http.request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxBytes: MAX_RESPONSE_BYTES,
    })
  } catch (err) {
    if (err instanceof OutboundBlockedError) throw err
    if (err instanceof OutboundResponseTooLargeError) {
      throw new OAuth1Error('PB_OAUTH1_BAD_RESPONSE', `the provider's response exceeds ${MAX_RESPONSE_BYTES} bytes`, { cause: err })
    }
    const reason = err instanceof Error ? err.message : String(err)
    throw new OAuth1Error('PB_OAUTH1_HTTP', `the provider could not be reached: ${reason}`, { cause: err })
  }
}

/**
 * @internal Checks the status and parses an application/x-www-form-urlencoded token response
 * (RFC 5849 §2.1, §2.3): `oauth_token` and `oauth_token_secret` present, each exactly once.
 */
export function parseTokenResponse(res: OAuth1Response, what: string): { token: string; tokenSecret: string; params: Map<string, string> } {
  const text = decode(res.body, what)
  if (res.status < 200 || res.status > 299) {
    const problem = parseForm(text)?.get('oauth_problem')
    const detail = problem ? `oauth_problem=${sanitize(problem)}` : sanitize(text)
    throw new OAuth1Error('PB_OAUTH1_HTTP', `the ${what} endpoint answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`, {
      status: res.status,
      problem: problem ? sanitize(problem) : undefined,
    })
  }
  const params = parseForm(text)
  if (!params) throw new OAuth1Error('PB_OAUTH1_BAD_RESPONSE', `the ${what} response is not application/x-www-form-urlencoded`)
  const token = params.get('oauth_token')
  const tokenSecret = params.get('oauth_token_secret')
  if (!token) throw new OAuth1Error('PB_OAUTH1_BAD_RESPONSE', `the ${what} response lacks oauth_token`)
  if (tokenSecret === undefined) throw new OAuth1Error('PB_OAUTH1_BAD_RESPONSE', `the ${what} response lacks oauth_token_secret`)
  for (const [name, value] of [
    ['oauth_token', token],
    ['oauth_token_secret', tokenSecret],
  ] as const) {
    if (value.length > MAX_TOKEN_LENGTH || /[^\x21-\x7e]/.test(value)) {
      throw new OAuth1Error('PB_OAUTH1_BAD_RESPONSE', `the ${what} response has an invalid ${name}`)
    }
  }
  return { token, tokenSecret, params }
}

function decode(body: string | Buffer, what: string): string {
  if (typeof body === 'string') return body
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body)
  } catch (err) {
    throw new OAuth1Error('PB_OAUTH1_BAD_RESPONSE', `the ${what} response is not UTF-8`, { cause: err })
  }
}

/** Form parsing that refuses JSON/HTML bodies and repeated names; undefined when the body is not a form. */
function parseForm(text: string): Map<string, string> | undefined {
  const trimmed = text.trim()
  if (trimmed === '' || /^[[{<]/.test(trimmed) || !trimmed.includes('=')) return undefined
  const params = new Map<string, string>()
  for (const [name, value] of new URLSearchParams(trimmed)) {
    if (params.has(name)) return undefined
    params.set(name, value)
  }
  return params
}

/** A short, printable excerpt of provider text for error messages. */
function sanitize(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]+/g, ' ').trim()
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean
}

// One HTTP request to the API the partner configured as the HTTP app's Base URL (app.yaml, setting
// `base_url`), with the semantics of HTTP (RFC 9110, https://www.rfc-editor.org/rfc/rfc9110): the
// method (§9), the target's path and query (§7.1), request header fields (§6.3) and a JSON content
// (§8.3, media type application/json, RFC 8259). The path is relative to the Base URL and may not
// leave it (no "." or ".." segments). Credentials are never typed into a run: Authorization, Cookie and
// other credential-bearing fields are refused, since the connection's credentials are what Patchbay
// injects. An answer outside 2xx is the run's error (ctx.http throws it; its type follows the status:
// 400/422 validation, 401 auth, 403 permission, 404/410 not_found, 429 rate_limited, 5xx provider).
import { Type } from '@sinclair/typebox'
import { ActionError, type ActionHttpRequest, defineAction } from '../../../src/define-action.js'

/** Header fields a run may not set: credentials (injected by Patchbay) and fields the transport owns. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|key|password|passwd|session|credential|signature|auth/i
const TRANSPORT_HEADER = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'forwarded',
  'x-real-ip',
])

/**
 * Response header fields returned to the caller: content and caching metadata, location, paging and
 * rate-limit hints (not Date or Content-Length, which say nothing about the resource).
 */
const SAFE_RESPONSE_HEADERS = new Set([
  'content-type',
  'content-language',
  'etag',
  'last-modified',
  'location',
  'link',
  'retry-after',
  'cache-control',
  'expires',
  'request-id',
  'x-request-id',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
])

function refuse(code: string, message: string): never {
  throw new ActionError({ type: 'validation', code, message })
}

function checkPath(path: string): void {
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    refuse('invalid_path', 'the path has a malformed percent-encoding')
  }
  if (path.startsWith('//') || decoded.split('/').some((segment) => segment === '.' || segment === '..')) {
    refuse('path_outside_base', 'the path must stay under the Base URL: no empty first segment, no "." or ".." segments')
  }
}

function checkHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (CREDENTIAL_HEADER.test(lower) || lower.startsWith('proxy-')) {
      refuse('credential_header', `the header ${name} may carry credentials: the connection's credentials are sent by Patchbay`)
    }
    if (TRANSPORT_HEADER.has(lower) || lower.startsWith('x-forwarded-') || lower.startsWith('patchbay-')) {
      refuse('reserved_header', `the header ${name} is set by Patchbay, not by a run`)
    }
    out[lower] = value
  }
  return out
}

interface RequestInput {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  query?: Record<string, string>
  headers?: Record<string, string>
  json?: unknown
}

/** The checked request of a run (refusals before anything is sent). */
function requestOf(input: RequestInput): ActionHttpRequest {
  const method = input.method ?? 'GET'
  checkPath(input.path)
  const headers = checkHeaders(input.headers ?? {})
  if (method === 'GET' && input.json !== undefined) refuse('body_not_allowed', 'a GET request carries no body')
  return {
    method,
    path: input.path,
    ...(input.query !== undefined ? { query: input.query } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(input.json !== undefined ? { json: input.json } : {}),
  }
}

export default defineAction({
  key: 'request',
  app: 'http',
  version: '1.0.0',
  type: 'write',
  title: 'Send an HTTP request',
  description:
    "Sends a request under the Base URL the partner configured for the HTTP app (path, query, headers, JSON body) and returns the status, a safe subset of the response headers and the body. A status outside 2xx fails the run with the status's error type.",
  docs: 'https://www.rfc-editor.org/rfc/rfc9110',
  annotations: { readOnly: false, destructive: true, idempotent: false },
  scopes: [],
  input: Type.Object({
    method: Type.Optional(
      Type.Union([Type.Literal('GET'), Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('PATCH'), Type.Literal('DELETE')], {
        default: 'GET',
      }),
    ),
    path: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: "^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$",
      description: 'Relative to the Base URL, starting with "/", without query (see query), e.g. /orders/42.',
    }),
    query: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ maxLength: 2000 }), { description: 'Query parameters.' }),
    ),
    headers: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" }),
        Type.String({ maxLength: 4000, pattern: '^[^\\x00-\\x08\\x0A-\\x1F\\x7F]*$', description: 'No control characters.' }),
        {
          description: 'Request header fields. Authorization, Cookie and other credential headers are refused.',
        },
      ),
    ),
    json: Type.Optional(Type.Unknown({ description: 'A JSON body (sent as application/json); not with GET.' })),
  }),
  output: Type.Object({
    status: Type.Integer({ minimum: 200, maximum: 299 }),
    headers: Type.Record(Type.String(), Type.String(), { description: 'Content, caching, location, paging and rate-limit headers.' }),
    body: Type.Unknown({ description: 'The body: parsed when JSON, else the text; null when empty.' }),
  }),
  run: async (ctx, input) => {
    const res = await ctx.http.request<unknown>(requestOf(input))
    const shown = Object.fromEntries(Object.entries(res.headers).filter(([name]) => SAFE_RESPONSE_HEADERS.has(name.toLowerCase())))
    return { status: res.status, headers: shown, body: res.data === '' ? null : res.data }
  },
  // A dry run shows the request when it writes (any method but GET); a GET changes nothing.
  preview: async (_ctx, input) => {
    const request = requestOf(input)
    return { requests: request.method === 'GET' ? [] : [request] }
  },
})

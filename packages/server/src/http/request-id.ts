import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * An incoming id is taken only in this shape: it goes into a response header and every log line of
 * the request, so nothing that could forge a log field or a header is accepted (docs/operations.md).
 */
const TRUSTED = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The id of one request: the caller's `request-id` (or `x-request-id`, as load balancers add it) when
 * it is well-formed, a new UUID otherwise. Sent back as `request-id` and logged as `reqId`.
 */
export function requestIdFor(headers: IncomingHttpHeaders): string {
  const given = headers['request-id'] ?? headers['x-request-id']
  return typeof given === 'string' && TRUSTED.test(given) ? given : randomUUID()
}

import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import { PatchbayError } from '../errors.js'
import type { Target } from './target.js'

// The caller's request body on its way to the app: none, held in memory (a retry after a refresh
// or a 429 may send it again; OAuth 1.0a signs form bodies), or streamed once. Both ways are capped.

/** What the request body looks like once the proxy has decided how to send it. */
export type Body =
  | { kind: 'none' }
  | { kind: 'buffer'; data: Buffer }
  | { kind: 'stream'; stream: Readable | AsyncIterable<Buffer>; length: number | undefined }

/** What of the caller's request decides how its body travels. */
export interface BodyRequest {
  method: string
  headers: IncomingHttpHeaders
  body: Readable
  retry429: number
}

export interface BodyCaps {
  maxRequestBytes: number
  replayBytes: number
}

/** A streamed body went past the cap after the app was called. */
export class RequestTooLargeError extends Error {
  override name = 'RequestTooLargeError'
}

export const NO_BODY: Body = { kind: 'none' }

/** GET and HEAD send no body; nor does a request announcing none (no length or 0, not chunked). */
export function hasNoBody(req: Pick<BodyRequest, 'method' | 'headers'>): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')
}

/**
 * Decides how the body travels: none; held in memory (up to `replayBytes`, when a retry may need it
 * or OAuth 1.0a must sign a form body); or streamed once, counted against `maxRequestBytes`.
 */
export async function readBody(req: BodyRequest, target: Pick<Target, 'oauth1' | 'refreshable'>, caps: BodyCaps): Promise<Body> {
  const { headers } = req
  const { maxRequestBytes, replayBytes } = caps
  if (hasNoBody(req)) return NO_BODY
  const lengthHeader = headers['content-length']
  const chunked = headers['transfer-encoding'] !== undefined
  const declared = chunked ? undefined : Number(lengthHeader)
  if (declared !== undefined && declared > maxRequestBytes) {
    throw new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', `the request body exceeds the proxy's ${maxRequestBytes} byte cap`)
  }
  const signsForm = target.oauth1 !== undefined && /^application\/x-www-form-urlencoded\b/i.test(headers['content-type'] ?? '')
  const mayRetry = target.refreshable || req.retry429 > 0 || signsForm
  if (!mayRetry || (declared !== undefined && declared > replayBytes)) {
    if (signsForm)
      throw new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', `form bodies signed with OAuth 1.0a are limited to ${replayBytes} bytes`)
    // Through a generator rather than the request itself: undici destroys a stream body when the
    // upstream request fails, which would take the caller's socket (and our error answer) with it.
    return { kind: 'stream', stream: capped(req.body[Symbol.asyncIterator](), [], 0, maxRequestBytes), length: declared }
  }
  // Small enough to keep (or of unknown size): read up to the replay cap.
  const iterator: AsyncIterator<Buffer> = req.body[Symbol.asyncIterator]()
  const chunks: Buffer[] = []
  let size = 0
  for (;;) {
    const next = await iterator.next()
    if (next.done) return { kind: 'buffer', data: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) }
    size += next.value.length
    if (size > maxRequestBytes) {
      throw new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', `the request body exceeds the proxy's ${maxRequestBytes} byte cap`)
    }
    chunks.push(next.value)
    if (size > replayBytes) {
      if (signsForm) {
        throw new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', `form bodies signed with OAuth 1.0a are limited to ${replayBytes} bytes`)
      }
      // Too big to keep: what was read goes first, the rest streams behind it, once.
      return { kind: 'stream', stream: capped(iterator, chunks, size, maxRequestBytes), length: undefined }
    }
  }
}

/** Streams an iterator's remaining chunks after `prefix`, refusing to go past `max` bytes. */
async function* capped(iterator: AsyncIterator<Buffer>, prefix: Buffer[], already: number, max: number): AsyncGenerator<Buffer> {
  for (const chunk of prefix) yield chunk
  let size = already
  for (;;) {
    const next = await iterator.next()
    if (next.done) return
    size += next.value.length
    if (size > max) {
      throw new RequestTooLargeError(`the request body exceeds the proxy's ${max} byte cap`)
    }
    yield next.value
  }
}

import type { Agent, Dispatcher } from 'undici'
import { undici } from '../lib/undici.js'
import { type AddressPolicy, OutboundBlockedError } from './address-policy.js'

export interface SafeRequestOptions {
  method?: Dispatcher.HttpMethod
  headers?: Record<string, string>
  body?: string
  timeoutMs: number
  maxBytes: number
}

export interface SafeResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export class OutboundResponseTooLargeError extends Error {
  override name = 'OutboundResponseTooLargeError'
}

/**
 * An HTTP client for requests Patchbay makes on its own behalf (JWKS, token endpoints, webhooks):
 * the policy checks the URL and every resolved address, redirects are never followed (undici's
 * `request` does not follow them), the body is
 * capped and the whole exchange times out.
 */
export class SafeHttpClient {
  /** Created with the first request (lib/undici.ts). */
  private agent: Agent | undefined
  private closed = false

  constructor(private readonly policy: AddressPolicy) {}

  async request(target: string | URL, options: SafeRequestOptions): Promise<SafeResponse> {
    const url = typeof target === 'string' ? new URL(target) : target
    this.policy.checkUrl(url)
    const signal = AbortSignal.timeout(options.timeoutMs)
    const { Agent, request } = await undici()
    if (this.closed) throw new Error('the HTTP client is closed')
    this.agent ??= new Agent({ connect: { lookup: this.policy.lookup }, keepAliveTimeout: 10_000 })
    const res = await request(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      dispatcher: this.agent,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    })
    const declared = Number(res.headers['content-length'] ?? 0)
    if (declared > options.maxBytes) {
      // Destroying an unread undici body emits an AbortError; without a listener it is an uncaught exception.
      res.body.on('error', () => {})
      res.body.destroy()
      throw new OutboundResponseTooLargeError(`response of ${declared} bytes exceeds the ${options.maxBytes} byte cap`)
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length
      if (size > options.maxBytes) {
        res.body.on('error', () => {})
        res.body.destroy()
        throw new OutboundResponseTooLargeError(`response exceeds the ${options.maxBytes} byte cap`)
      }
      chunks.push(chunk as Buffer)
    }
    return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }
  }

  close(): Promise<void> {
    this.closed = true
    return this.agent?.close() ?? Promise.resolve()
  }
}

export { OutboundBlockedError }

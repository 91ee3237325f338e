import { randomUUID } from 'node:crypto'
import { routes } from '../generated/openapi.js'
import { type AnswerOf, type ApiCaller, type ApiRequest, checkRequestOptions, type Operation } from './api.js'
import { apiError, readObject, send } from './response.js'
import { final, withRetries } from './retry.js'
import { policyFor, type Transport } from './transport.js'

/** How a client authenticates its calls: the end user's bearer token, or the partner's Basic credentials. */
export interface Authorization {
  /** The `Authorization` header for the next request (`signal` bounds any wait for a token). */
  header(signal: AbortSignal): Promise<{
    value: string
    /** Patchbay refused it (401): true when a new one is worth one more try (a cached token that was revoked). */
    refused(): boolean
  }>
}

/**
 * Methods whose request may be sent again without doing twice what it does (RFC 9110 §9.2.2): the
 * only calls retried, with writes that carry an `Idempotency-Key` the server honours.
 */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

/** `/v1/connections/{id}` with `{ id }`: each parameter percent-encoded into its segment. */
function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new TypeError(`${name}: required`)
    return encodeURIComponent(value)
  })
}

/**
 * Sends the REST API calls of one client (a {@link PatchbayUser}, or the partner's operator API):
 * method and path from the OpenAPI document's route table, JSON in and out, the `request-id` of each
 * attempt sent (and put on every error), retries of safe calls with backoff, a time limit per attempt.
 */
export class RestClient implements ApiCaller {
  constructor(
    private readonly transport: Transport,
    private readonly authorization: Authorization,
  ) {}

  async call<O extends Operation>(request: ApiRequest<O>): Promise<AnswerOf<O>> {
    const route = routes[request.operation]
    const options = checkRequestOptions(request.options)
    const path = fillPath(route.path, request.params)
    const url = new URL(`${this.transport.baseUrl}${path}`)
    for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
      if (value !== undefined) url.searchParams.set(name, String(value))
    }
    const headers: Record<string, string> = { ...request.headers, accept: 'application/json' }
    if (request.body !== undefined) headers['content-type'] = 'application/json'
    let safe = IDEMPOTENT.has(route.method)
    if (route.idempotencyKey) {
      // The same key on every attempt: the server answers a repeat with the first attempt's result.
      headers['idempotency-key'] ??= randomUUID()
      safe = true
    }
    const body = request.body === undefined ? undefined : JSON.stringify(request.body)
    const what = `${route.method} ${path}`
    const policy = policyFor(this.transport, options, request.waitMs)
    return withRetries(policy, safe, what, options?.signal, async (attempt) => {
      const init = { method: route.method, headers: { ...headers, 'request-id': attempt.requestId }, body, signal: attempt.signal }
      const res = await this.authorized(url.href, init, what, attempt.requestId)
      // A DELETE whose previous attempt got no answer: that attempt deleted it.
      if (res.status === 404 && route.method === 'DELETE' && attempt.previousUnanswered) {
        await res.body?.cancel()
        return undefined as AnswerOf<O>
      }
      if (!res.ok) throw await apiError(res, { what, connectionId: request.connectionId, requestId: attempt.requestId })
      if (res.status === 204 || res.headers.get('content-length') === '0') {
        await res.body?.cancel()
        return undefined as AnswerOf<O>
      }
      return (await readObject(res, what, attempt.requestId)) as AnswerOf<O>
    })
  }

  /** Sends with the client's credentials; when Patchbay refuses a cached token, once more with a new one. */
  private async authorized(
    url: string,
    init: RequestInit & { headers: Record<string, string>; signal: AbortSignal },
    what: string,
    requestId: string,
  ): Promise<Response> {
    // A token exchange has retried on its own already.
    const header = () =>
      this.authorization.header(init.signal).catch((err: unknown) => {
        throw final(err)
      })
    const first = await header()
    const res = await send(
      this.transport.fetch,
      url,
      { ...init, headers: { ...init.headers, authorization: first.value } },
      what,
      requestId,
    )
    if (res.status !== 401 || !first.refused()) return res
    await res.body?.cancel()
    const second = await header()
    return send(this.transport.fetch, url, { ...init, headers: { ...init.headers, authorization: second.value } }, what, requestId)
  }
}

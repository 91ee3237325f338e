import type { operations } from '../generated/openapi.js'

/** An operation of the REST API, by its operationId in Patchbay's OpenAPI document. */
export type Operation = keyof operations

type Responses<O extends Operation> = operations[O]['responses']
type SuccessStatus = 200 | 201 | 202 | 204
type JsonContent<R> = R extends { content: { 'application/json': infer B } } ? B : undefined

/** The JSON body of a successful answer to `O` (undefined for 204), as the document declares it. */
export type AnswerOf<O extends Operation> = {
  [S in keyof Responses<O> & SuccessStatus]: JsonContent<Responses<O>[S]>
}[keyof Responses<O> & SuccessStatus]

/** The query parameters of `O`. */
export type QueryOf<O extends Operation> = operations[O]['parameters'] extends { query?: infer Q } ? NonNullable<Q> : never

/** The JSON body of `O`. */
export type BodyOf<O extends Operation> = operations[O] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never

/** Per-call options, beside the client-wide ones of `new Patchbay()`. */
export interface RequestOptions {
  /** Aborts the call (and any retry waiting); the call rejects with the signal's reason. */
  signal?: AbortSignal
  /** Each attempt's time limit in ms (default: the client's `timeoutMs`); past it the call fails with `PB_ERR_TIMEOUT`. */
  timeoutMs?: number
  /** Retries of a safe call after a network error, a timeout, a 429 or a 5xx (default: the client's `maxRetries`). */
  maxRetries?: number
}

/** One REST API call, as the resources describe it: the operation and what goes in it. */
export interface ApiRequest<O extends Operation> {
  operation: O
  /** Path parameters, by name (`{ id }`): encoded here. */
  params?: Record<string, string>
  query?: QueryOf<O>
  /** Sent as JSON. */
  body?: BodyOf<O>
  /** Extra request headers (`Idempotency-Key`). */
  headers?: Record<string, string>
  /** The connection the call is about (for CredentialRevokedError). */
  connectionId?: string
  options?: RequestOptions | undefined
  /** Time the server may take on purpose (a long poll's `wait_ms`), added to the attempt's time limit. */
  waitMs?: number
}

/** Sends REST API calls: the parsed JSON answer, undefined for 204. */
export interface ApiCaller {
  call<O extends Operation>(request: ApiRequest<O>): Promise<AnswerOf<O>>
}

/** A path segment from a caller-supplied id or key: a TypeError naming `path` unless a non-empty string. */
export function segment(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${path}: must be a non-empty string`)
  return value
}

/** Checks per-call options before anything is sent: a TypeError naming the option otherwise. */
export function checkRequestOptions(options: RequestOptions | undefined, path = 'requestOptions'): RequestOptions | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null) throw new TypeError(`${path}: must be an object`)
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    throw new TypeError(`${path}.signal: must be an AbortSignal`)
  if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new TypeError(`${path}.timeoutMs: must be a positive integer (ms)`)
  }
  if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
    throw new TypeError(`${path}.maxRetries: must be a non-negative integer`)
  }
  return options
}

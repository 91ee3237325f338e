import { ActionHttpError, type ActionHttpRequest, type ActionHttpResponse } from './define-action.js'

// How a `ctx.http` call becomes bytes and an answer becomes `data`, shared by the engine (through the
// proxy) and the fixture replay, so an action meets the same wire format in both (docs/actions.md, "ctx.http").

export interface EncodedRequest {
  method: string
  /** The app's other base URL to use, by name (`api.base_urls`). */
  base: string | undefined
  /** The path and query relative to the app's API base URL. */
  pathAndQuery: string
  /** Lower-cased names. */
  headers: Record<string, string>
  body: Buffer | undefined
}

export function encodeActionRequest(req: ActionHttpRequest): EncodedRequest {
  if (!req.path.startsWith('/')) throw new TypeError(`ctx.http: the path must start with "/" (got ${JSON.stringify(req.path)})`)
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(req.query ?? {})) {
    if (value !== undefined) query.set(name, String(value))
  }
  const q = query.toString()
  const pathAndQuery = q === '' ? req.path : `${req.path}${req.path.includes('?') ? '&' : '?'}${q}`
  const headers: Record<string, string> = { accept: 'application/json' }
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value
  let body: Buffer | undefined
  if (req.json !== undefined) {
    body = Buffer.from(JSON.stringify(req.json))
    headers['content-type'] = 'application/json'
  } else if (req.form !== undefined) {
    body = Buffer.from(new URLSearchParams(req.form).toString())
    headers['content-type'] = 'application/x-www-form-urlencoded'
  }
  if (body) headers['content-length'] = String(body.length)
  return { method: req.method ?? 'GET', base: req.base, pathAndQuery, headers, body }
}

/** The answer as an action sees it: JSON parsed when it says JSON; outside 2xx an {@link ActionHttpError}. */
export function decodeActionResponse<T>(
  method: string,
  shownPath: string,
  status: number,
  headers: Record<string, string>,
  text: string,
): ActionHttpResponse<T> {
  let data: unknown = text
  if (/\bjson\b/i.test(headers['content-type'] ?? '') && text !== '') {
    try {
      data = JSON.parse(text)
    } catch {
      data = text
    }
  }
  if (status < 200 || status > 299) throw new ActionHttpError(status, headers, data, `${method} ${shownPath} answered ${status}`)
  return { status, headers, data: data as T }
}

/** `get`, `post`… over one `request` function. */
export function httpVerbs(request: <T>(req: ActionHttpRequest) => Promise<ActionHttpResponse<T>>) {
  return {
    request,
    get: <T>(path: string, query?: ActionHttpRequest['query']) => request<T>({ method: 'GET', path, ...(query ? { query } : {}) }),
    post: <T>(path: string, json?: unknown) => request<T>({ method: 'POST', path, json }),
    patch: <T>(path: string, json?: unknown) => request<T>({ method: 'PATCH', path, json }),
    put: <T>(path: string, json?: unknown) => request<T>({ method: 'PUT', path, json }),
    delete: <T>(path: string) => request<T>({ method: 'DELETE', path }),
  }
}

/** One REST API call with plain fetch, as a partner backend makes it; the answer read whole. */
export interface Answer {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
  json: any
  text: string
}

/** `token`: a bearer token; `auth`: a whole Authorization header (e.g. Basic); `body`: sent as JSON. */
export async function call(url: string, init: { method?: string; token?: string; auth?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.auth) headers.authorization = init.auth
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, json, text }
}

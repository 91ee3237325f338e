import { expect } from 'vitest'
import type { TestServer } from './test-server.js'

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
export const SESSION_TYPE = 'urn:patchbay:params:oauth:token-type:connect_session'

export interface Client {
  clientId: string
  clientSecret: string
}

export interface TokenRequest {
  /** Form parameters; an array repeats the parameter. */
  params?: Record<string, string | string[]>
  /** How the client authenticates: Basic header (default), body parameters, or not at all. */
  auth?: 'basic' | 'post' | 'none'
  client?: Client
  /** Replaces the form body (and its content type) altogether. */
  body?: { contentType: string; text: string }
  headers?: Record<string, string>
}

export interface TokenResponse {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
  json: any
}

/** Basic credentials as RFC 6749 §2.3.1 wants them: form-urlencoded, then base64. */
export function basicAuth(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replaceAll('%20', '+')
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`
}

/** POSTs to /oauth/token the way a partner backend would, with plain fetch (nothing hidden). */
export async function postToken(url: string, client: Client, req: TokenRequest = {}): Promise<TokenResponse> {
  const auth = req.auth ?? 'basic'
  const headers: Record<string, string> = { ...req.headers }
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(req.params ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) form.append(name, v)
  }
  if (auth === 'basic') headers.authorization ??= basicAuth(client.clientId, client.clientSecret)
  if (auth === 'post') {
    form.append('client_id', client.clientId)
    form.append('client_secret', client.clientSecret)
  }
  headers['content-type'] = req.body?.contentType ?? 'application/x-www-form-urlencoded'
  const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers, body: req.body?.text ?? form.toString() })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = { unparsed: text }
  }
  return { status: res.status, headers: res.headers, json }
}

/** The parameters of a token exchange for `subjectToken`, plus `extra`. */
export function exchangeParams(subjectToken: string, extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return { grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: JWT_TYPE, ...extra }
}

/** Exchanges `subjectToken` with the test server's own partner (Basic auth unless told). */
export function exchange(
  t: TestServer,
  subjectToken: string,
  extra: Record<string, string | string[]> = {},
  auth: TokenRequest['auth'] = 'basic',
) {
  return postToken(t.url, t.partner, { params: exchangeParams(subjectToken, extra), auth })
}

export interface Refusal {
  status: number
  error: string
  /** Something the error_description must contain or match. */
  description: RegExp | string
}

/**
 * Sends a request that must be refused: asserts the status, the RFC 6749 error code, the
 * description, `Cache-Control: no-store`, and that no row was written by it.
 */
export async function expectRefused(t: TestServer, send: () => Promise<TokenResponse>, expected: Refusal): Promise<TokenResponse> {
  const before = await t.counts()
  const res = await send()
  expect({ status: res.status, error: res.json.error }, JSON.stringify(res.json)).toEqual({
    status: expected.status,
    error: expected.error,
  })
  expect(typeof res.json.error_description).toBe('string')
  if (typeof expected.description === 'string') expect(res.json.error_description).toContain(expected.description)
  else expect(res.json.error_description).toMatch(expected.description)
  expect(res.headers.get('cache-control')).toBe('no-store')
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  expect(await t.counts()).toEqual(before)
  return res
}

/** Asserts a successful exchange (and `no-store`); returns the response body. */
export async function expectIssued(res: TokenResponse) {
  expect(res.status, JSON.stringify(res.json)).toBe(200)
  expect(res.headers.get('cache-control')).toBe('no-store')
  expect(typeof res.json.access_token).toBe('string')
  return res.json as { access_token: string; issued_token_type: string; token_type: string; expires_in: number; scope: string }
}

/**
 * A token exchange as a partner's backend makes it: the partner's JWT for `claims` (merged over `sub`
 * default) for an end user's API access token, or with `params` for another token type (a connect
 * session). Throws on an error answer, so a test fails where the exchange did.
 */
export async function exchangeToken(
  t: Pick<TestServer, 'url' | 'sign'> & { partner: Client },
  claims: Record<string, unknown>,
  params: Record<string, string> = {},
): Promise<{ access_token: string; session_id: string }> {
  const res = await fetch(`${t.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${t.partner.clientId}:${t.partner.clientSecret}`)}` },
    body: new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token: await t.sign(claims),
      subject_token_type: JWT_TYPE,
      ...params,
    }),
  })
  const body = (await res.json()) as { access_token: string; session_id: string }
  if (!res.ok) throw new Error(`token exchange failed: ${JSON.stringify(body)}`)
  return body
}

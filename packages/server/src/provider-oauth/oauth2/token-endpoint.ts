import type { OAuth2ClientCredentialsOption, OAuth2Option } from '../../catalog/app-schema.js'
import type { SafeHttpClient } from '../../outbound/safe-fetch.js'
import { clientBasicAuthorization } from '../../lib/basic-auth.js'
import { readDottedPath } from '../../lib/dotted-path.js'

// Token requests are built and read here rather than with oauth4webapi's grant functions: catalog
// entries describe how providers depart from RFC 6749 (JSON request bodies, tokens nested under
// another key, `ok: false` on HTTP 200, a missing or non-Bearer token_type), which oauth4webapi's
// strict response processing refuses by design. Discovery (discovery.ts) and PKCE do use it.

/** An OAuth error answered by a provider's token endpoint (RFC 6749 §5.2), or a response we cannot use. */
export class ProviderTokenError extends Error {
  override name = 'ProviderTokenError'
  constructor(
    /** The provider's `error` code (e.g. `invalid_grant`), or `invalid_response` when the answer is unusable. */
    readonly error: string,
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

export interface TokenSet {
  accessToken: string
  refreshToken: string | null
  tokenType: string | null
  idToken: string | null
  /** Epoch ms, or null when the provider gave no lifetime. */
  expiresAt: number | null
  /** Granted scopes when the provider says which, else null. */
  scopes: string[] | null
  /** Non-secret values the option asks to keep (e.g. instance_url). */
  metadata: Record<string, string>
}

export interface TokenRequest {
  url: string
  headers: Record<string, string>
  body: string
}

type TokenOption =
  Pick<OAuth2Option, 'token_auth_method' | 'token_request_format' | 'token_params' | 'token_headers'> | OAuth2ClientCredentialsOption

/**
 * Builds a token endpoint request the way the option says the provider wants it: form or JSON
 * body, client credentials in a Basic header or in the body, and the option's extra parameters.
 */
export function buildTokenRequest(
  option: TokenOption,
  tokenUrl: string,
  client: { clientId: string; clientSecret: string | null },
  params: Record<string, string>,
): TokenRequest {
  const fields: Record<string, string> = { ...(option.token_params ?? {}), ...params }
  const headers: Record<string, string> = { accept: 'application/json' }
  for (const [name, value] of Object.entries(option.token_headers ?? {})) headers[name.toLowerCase()] = value
  if (option.token_auth_method === 'client_secret_basic' && client.clientSecret !== null) {
    headers.authorization = clientBasicAuthorization(client.clientId, client.clientSecret)
  } else {
    fields.client_id = client.clientId
    if (client.clientSecret !== null) fields.client_secret = client.clientSecret
  }
  const json = 'token_request_format' in option && option.token_request_format === 'json'
  headers['content-type'] = json ? 'application/json' : 'application/x-www-form-urlencoded'
  return { url: tokenUrl, headers, body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString() }
}

/**
 * Reads a token endpoint answer, following the option's `token_response` paths (nested tokens,
 * an `ok: false` flag on HTTP 200) and keeping the metadata it names.
 */
export function processTokenResponse(
  option: Pick<OAuth2Option, 'token_response' | 'scope_separator'>,
  res: { status: number; body: Buffer | string; headers?: Record<string, string | string[] | undefined> },
  now: number = Date.now(),
): TokenSet {
  const text = typeof res.body === 'string' ? res.body : res.body.toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // A few providers answer form-encoded (RFC 6749 says JSON; GitHub does without Accept).
    json = text.includes('=') ? Object.fromEntries(new URLSearchParams(text)) : undefined
  }
  if (typeof json !== 'object' || json === null) {
    throw new ProviderTokenError('invalid_response', `the token endpoint answered HTTP ${res.status} without a JSON object`, res.status)
  }
  const body = json as Record<string, unknown>
  const quirks = option.token_response
  const okFlag = quirks.ok_flag ? readDottedPath(body, quirks.ok_flag) : true
  if (res.status >= 400 || typeof body.error === 'string' || okFlag === false) {
    const error = typeof body.error === 'string' ? body.error : 'invalid_response'
    const description = typeof body.error_description === 'string' ? body.error_description : `HTTP ${res.status}`
    throw new ProviderTokenError(error, `${error}: ${description}`, res.status)
  }
  const accessToken = readDottedPath(body, quirks.access_token)
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new ProviderTokenError('invalid_response', `the token response has no access token at "${quirks.access_token}"`, res.status)
  }
  const refreshToken = readDottedPath(body, quirks.refresh_token)
  const expiresIn = Number(readDottedPath(body, quirks.expires_in))
  // Scopes and metadata are stored as text: U+0000 is dropped (PostgreSQL cannot store it), on both databases.
  const scope = readDottedPath(body, quirks.scope)
  const metadata: Record<string, string> = {}
  for (const [name, path] of Object.entries(quirks.metadata ?? {})) {
    const value = readDottedPath(body, path)
    if (typeof value === 'string' || typeof value === 'number') metadata[name] = String(value).replaceAll('\u0000', '')
  }
  return {
    accessToken,
    refreshToken: typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : null,
    tokenType: typeof body.token_type === 'string' ? body.token_type : null,
    idToken: typeof body.id_token === 'string' ? body.id_token : null,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 : null,
    scopes: typeof scope === 'string' ? scope.replaceAll('\u0000', '').split(scopeSplitter(option.scope_separator)).filter(Boolean) : null,
    metadata,
  }
}

function scopeSplitter(separator: string): RegExp | string {
  return separator === ' ' ? /\s+/ : separator
}

/** Sends a token request through the guarded client and reads the answer. */
export async function requestTokens(
  http: SafeHttpClient,
  option: TokenOption & Pick<OAuth2Option, 'token_response' | 'scope_separator'>,
  request: TokenRequest,
): Promise<TokenSet> {
  const res = await http.request(request.url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    timeoutMs: 15_000,
    maxBytes: 256 * 1024,
  })
  return processTokenResponse(option, res)
}

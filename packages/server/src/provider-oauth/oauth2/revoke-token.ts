import type { OAuth2Option } from '../../catalog/app-schema.js'
import type { SafeHttpClient } from '../../outbound/safe-fetch.js'
import { buildTokenRequest, type TokenRequest } from './token-endpoint.js'

/** The revocation endpoint refused the request (RFC 7009 §2.2.1), or could not be asked. */
export class TokenRevocationError extends Error {
  override name = 'TokenRevocationError'
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

export type TokenTypeHint = 'refresh_token' | 'access_token'

/**
 * RFC 7009 §2.1: `token` and `token_type_hint`, form-encoded, with the same client authentication
 * the option uses at the token endpoint (Basic or client_secret_post).
 */
export function buildRevocationRequest(
  option: Pick<OAuth2Option, 'token_auth_method' | 'token_headers'>,
  revocationUrl: string,
  client: { clientId: string; clientSecret: string | null },
  token: { value: string; hint: TokenTypeHint },
): TokenRequest {
  return buildTokenRequest(
    { token_auth_method: option.token_auth_method, token_request_format: 'form', token_headers: option.token_headers ?? {} },
    revocationUrl,
    client,
    { token: token.value, token_type_hint: token.hint },
  )
}

/**
 * RFC 7009 §2.2: HTTP 200 means revoked (or already invalid: the same outcome for the client).
 * Anything else is an error; its body is never read into the message (it may echo the token).
 */
export function processRevocationResponse(res: { status: number }): void {
  if (res.status !== 200) throw new TokenRevocationError(`the revocation endpoint answered HTTP ${res.status}`, res.status)
}

/** Sends one revocation request through the guarded client. */
export async function revokeToken(http: SafeHttpClient, request: TokenRequest): Promise<void> {
  let res: { status: number }
  try {
    res = await http.request(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      timeoutMs: 10_000,
      maxBytes: 64 * 1024,
    })
  } catch (err) {
    throw new TokenRevocationError(`the revocation endpoint could not be reached (${(err as Error).message})`)
  }
  processRevocationResponse(res)
}

import { oauthError, send } from '../lib/response.js'
import { withRetries } from '../lib/retry.js'
import { basicAuthorization, policyFor, type Transport } from '../lib/transport.js'
import type { RequestOptions } from '../lib/api.js'

/**
 * `POST /oauth/revoke` (RFC 7009) with the partner's client credentials. Patchbay answers 200
 * whether or not the token was live (or the partner's): only a refused request is an error. Safe to
 * repeat, so retried like a GET.
 */
export async function revokeToken(transport: Transport, token: string, options?: RequestOptions): Promise<void> {
  await withRetries(policyFor(transport, options), true, 'token revocation', options?.signal, async (attempt) => {
    const res = await send(
      transport.fetch,
      `${transport.baseUrl}/oauth/revoke`,
      {
        method: 'POST',
        headers: {
          accept: 'application/json',
          authorization: basicAuthorization(transport.clientId, transport.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
          'request-id': attempt.requestId,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: attempt.signal,
      },
      'token revocation',
      attempt.requestId,
    )
    if (!res.ok) throw await oauthError(res, attempt.requestId)
    await res.arrayBuffer()
  })
}

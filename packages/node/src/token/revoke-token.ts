import { oauthError, send } from '../lib/response.js'
import { basicAuthorization, type Transport } from '../lib/transport.js'

/**
 * `POST /oauth/revoke` (RFC 7009) with the partner's client credentials. Patchbay answers 200
 * whether or not the token was live (or the partner's): only a refused request is an error.
 */
export async function revokeToken(transport: Transport, token: string): Promise<void> {
  const res = await send(
    transport.fetch,
    `${transport.baseUrl}/oauth/revoke`,
    {
      method: 'POST',
      headers: {
        accept: 'application/json',
        authorization: basicAuthorization(transport.clientId, transport.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    },
    'token revocation',
  )
  if (!res.ok) throw await oauthError(res)
  await res.arrayBuffer()
}

import { OAuthError } from '../errors.js'
import { secretMatches } from '../lib/random.js'
import type { Partner, PartnerStore } from '../partners/partner-store.js'

export interface ClientCredentials {
  clientId: string
  clientSecret: string
  method: 'client_secret_basic' | 'client_secret_post'
}

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="patchbay", charset="UTF-8"' }

/**
 * Reads client credentials from `Authorization: Basic` (RFC 6749 §2.3.1: id and secret are
 * form-urlencoded before base64) or from the body, never both (§2.3).
 */
export function readClientCredentials(
  authorization: string | undefined,
  body: Record<string, string | undefined>,
): ClientCredentials | undefined {
  const inBody = body.client_id !== undefined || body.client_secret !== undefined
  if (authorization !== undefined) {
    if (inBody) throw new OAuthError('invalid_request', 'use one client authentication method, not Basic and body credentials together')
    const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(authorization.trim())
    if (!match)
      throw new OAuthError('invalid_client', 'the Authorization header is not valid Basic credentials', { headers: BASIC_CHALLENGE })
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0)
      throw new OAuthError('invalid_client', 'the Authorization header is not valid Basic credentials', { headers: BASIC_CHALLENGE })
    try {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' ')),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' ')),
        method: 'client_secret_basic',
      }
    } catch {
      throw new OAuthError('invalid_client', 'the Basic credentials are not form-urlencoded', { headers: BASIC_CHALLENGE })
    }
  }
  if (!inBody) return undefined
  if (!body.client_id || !body.client_secret) {
    throw new OAuthError('invalid_client', 'client_id and client_secret are both required')
  }
  return { clientId: body.client_id, clientSecret: body.client_secret, method: 'client_secret_post' }
}

/** Authenticates the partner behind the token request; any failure is `invalid_client` (401). */
export async function authenticateClient(
  partners: PartnerStore,
  authorization: string | undefined,
  body: Record<string, string | undefined>,
): Promise<Partner> {
  const credentials = readClientCredentials(authorization, body)
  if (!credentials) {
    throw new OAuthError('invalid_client', 'client authentication is required (client_secret_basic or client_secret_post)', {
      headers: BASIC_CHALLENGE,
    })
  }
  // No client id holds U+0000, and PostgreSQL could not even be asked about one: unknown, on both databases.
  const lookup = credentials.clientId.length <= 128 && !credentials.clientId.includes('\u0000')
  const partner = lookup ? await partners.getByClientId(credentials.clientId) : undefined
  // Compare against a dummy hash when the client is unknown, so timing does not reveal client ids.
  const ok = secretMatches(credentials.clientSecret, partner?.clientSecretHash ?? 'sha256$unknown-client-unknown-client-unknown-c')
  if (!partner || !ok) {
    throw new OAuthError('invalid_client', 'client authentication failed', {
      ...(credentials.method === 'client_secret_basic' ? { headers: BASIC_CHALLENGE } : {}),
    })
  }
  return partner
}

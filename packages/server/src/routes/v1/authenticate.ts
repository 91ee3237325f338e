import type { FastifyReply, FastifyRequest } from 'fastify'
import { PatchbayError } from '../../errors.js'
import type { Scope } from '../../tokens/scopes.js'

const CHALLENGE = 'Bearer realm="patchbay"'

/** onRequest hook for `/v1`: resolves the bearer token (RFC 6750) to the end user it acts for. */
export async function authenticateBearer(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const header = req.headers.authorization
  const match = header ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim()) : null
  if (!match) {
    throw new PatchbayError('PB_ERR_UNAUTHORIZED', 'send a Patchbay access token as "Authorization: Bearer <token>"', {
      headers: { 'WWW-Authenticate': CHALLENGE },
    })
  }
  const principal = await req.server.services.accessTokens.authenticate(match[1] as string)
  if (!principal) {
    throw new PatchbayError('PB_ERR_UNAUTHORIZED', 'the access token is invalid, expired or revoked', {
      headers: { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` },
    })
  }
  req.principal = principal
}

/** preHandler factory: the route needs this scope. */
export function requireScope(scope: Scope) {
  return async function checkScope(req: FastifyRequest): Promise<void> {
    if (!req.principal?.scopes.includes(scope)) {
      throw new PatchbayError('PB_ERR_INSUFFICIENT_SCOPE', `this route needs the "${scope}" scope`, {
        headers: { 'WWW-Authenticate': `${CHALLENGE}, error="insufficient_scope", scope="${scope}"` },
      })
    }
  }
}

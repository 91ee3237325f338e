import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { PatchbayError } from '../../errors.js'
import type { AccessTokens, Principal } from '../../access-tokens/access-tokens.js'
import type { Scope } from '../../access-tokens/scopes.js'

const CHALLENGE = 'Bearer realm="patchbay"'
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i

/** The token of an `Authorization: Bearer` header (RFC 6750); a 401 with the RFC's challenge otherwise. */
export function bearerToken(authorization: string | undefined): string {
  const match = authorization ? BEARER.exec(authorization.trim()) : null
  if (!match) {
    throw new PatchbayError('PB_ERR_UNAUTHORIZED', 'send a Patchbay access token as "Authorization: Bearer <token>"', {
      headers: { 'WWW-Authenticate': CHALLENGE },
    })
  }
  return match[1] as string
}

/** The end user an access token acts for; a 401 (`invalid_token`) when it is unknown, expired or revoked. */
export async function principalForToken(token: string, tokens: AccessTokens): Promise<Principal> {
  const principal = await tokens.authenticate(token)
  if (!principal) {
    throw new PatchbayError(
      'PB_ERR_UNAUTHORIZED',
      'the access token is invalid, expired, revoked or minted for another resource (an MCP token is for /mcp only)',
      {
        headers: { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` },
      },
    )
  }
  return principal
}

/** A 403 with the RFC 6750 challenge unless the token carries `scope`. */
export function checkScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.includes(scope)) {
    throw new PatchbayError('PB_ERR_INSUFFICIENT_SCOPE', `this route needs the "${scope}" scope`, {
      headers: { 'WWW-Authenticate': `${CHALLENGE}, error="insufficient_scope", scope="${scope}"` },
    })
  }
}

/**
 * onRequest hook for `/v1`: resolves the bearer token to the end user it acts for. A callback hook that
 * answers from the token cache when it can: no promise on the hot path (BENCHMARKS.md, "Instructions per request").
 */
export function authenticateBearer(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const tokens = req.server.services.accessTokens
  let token: string
  try {
    token = bearerToken(req.headers.authorization)
  } catch (err) {
    return done(err as Error)
  }
  const cached = tokens.cached(token)
  if (cached) {
    req.principal = cached
    return done()
  }
  principalForToken(token, tokens).then((principal) => {
    req.principal = principal
    done()
  }, done)
}

/** preHandler factory: the route needs this scope (a callback hook, like the bearer hook). */
export function requireScope(scope: Scope) {
  return function scopeRequired(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    try {
      checkScope(req.principal, scope)
    } catch (err) {
      return done(err as Error)
    }
    done()
  }
}

import type { Kysely } from 'kysely'
import type { JwksCache } from './jwks-cache.js'
import { PartnerJwtError, verifyPartnerJwt } from './verify-partner-jwt.js'
import type { Config } from '../config/config.js'
import type { Database } from '../db/schema.js'
import { OAuthError } from '../errors.js'
import type { LineLogger } from '../logger.js'
import type { Partner } from '../partners/partner-store.js'
import type { ConnectSessions } from '../connect/sessions/connect-sessions.js'
import { connectUrl } from '../connect/sessions/connect-url.js'
import { SessionOptionError, type SessionOptions, validateSessionOptions } from '../connect/sessions/session-options.js'
import { newAccessToken } from '../access-tokens/access-tokens.js'
import { upsertEndUser } from '../access-tokens/end-users.js'
import { MCP_SCOPE, parseScope, type Scope } from '../access-tokens/scopes.js'
import { DEFAULT_TOOLSET } from '../mcp/toolset-definition.js'
import type { ToolsetService } from '../mcp/toolsets.js'
import { isPatchbayToken } from '../access-tokens/token-prefixes.js'
import type { ExchangeWrites } from './exchange-writes.js'
import { ACCESS_TOKEN_TYPE, CONNECT_SESSION_TOKEN_TYPE, JWT_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from './token-types.js'

export type TokenRequestBody = Record<string, string | undefined>

/** The RFC 8693 §2.2.1 response. */
export interface TokenExchangeResponse {
  access_token: string
  issued_token_type: string
  token_type: 'Bearer' | 'N_A'
  expires_in: number
  scope: string
  /** Connect sessions only: the session's public id (shown in widget events, never a secret). */
  session_id?: string
  /** Connect sessions only: the Connect UI link with the code (docs/api.md, "Connect sessions"). */
  connect_url?: string
}

export interface TokenExchangeDeps {
  database: { db: Kysely<Database> }
  jwks: JwksCache
  exchangeWrites: ExchangeWrites
  sessions: ConnectSessions
  toolsets: Pick<ToolsetService, 'reference'>
  config: Pick<Config, 'jwt' | 'accessTokenTtl' | 'sessionTtl' | 'publicUrl'>
}

/**
 * RFC 8693 token exchange: a partner-signed JWT about one end user becomes a Patchbay access token
 * (for the partner's backend) or a connect session code (for the browser).
 *
 * Every check that can fail runs before anything is written; the writes (jti, end user, token or
 * session) are one transaction, so a refused request leaves no row behind.
 */
export async function exchangeToken(
  deps: TokenExchangeDeps,
  partner: Partner,
  body: TokenRequestBody,
  /** The request's logger, so a JWKS fetch this exchange waits on logs with its `reqId`. */
  log?: LineLogger,
): Promise<TokenExchangeResponse> {
  const grantType = body.grant_type
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required')
  if (grantType !== TOKEN_EXCHANGE_GRANT) {
    throw new OAuthError('unsupported_grant_type', `grant_type must be ${TOKEN_EXCHANGE_GRANT}`)
  }
  const subjectToken = body.subject_token
  if (!subjectToken) throw new OAuthError('invalid_request', 'subject_token is required')
  if (!body.subject_token_type) throw new OAuthError('invalid_request', 'subject_token_type is required')
  if (body.subject_token_type !== JWT_TOKEN_TYPE) {
    throw new OAuthError('invalid_request', `subject_token_type must be ${JWT_TOKEN_TYPE}`)
  }
  if (body.actor_token !== undefined || body.actor_token_type !== undefined) {
    throw new OAuthError('invalid_request', 'actor_token (delegation) is not supported')
  }
  const requested = body.requested_token_type ?? ACCESS_TOKEN_TYPE
  if (requested !== ACCESS_TOKEN_TYPE && requested !== CONNECT_SESSION_TOKEN_TYPE) {
    throw new OAuthError('invalid_request', `requested_token_type must be ${ACCESS_TOKEN_TYPE} or ${CONNECT_SESSION_TOKEN_TYPE}`)
  }
  const target = checkTarget(deps.config.publicUrl, body)

  let grantedScopes: Scope[]
  let sessionOptions: SessionOptions | undefined
  let toolset: string | null = null
  if (requested === CONNECT_SESSION_TOKEN_TYPE) {
    if (target === 'mcp') throw new OAuthError('invalid_target', 'a connect session code is not for the MCP endpoint')
    if (body.scope !== undefined && body.scope.trim() !== 'connect') {
      throw new OAuthError('invalid_scope', 'a connect session code has the scope "connect" only')
    }
    grantedScopes = ['connect']
    sessionOptions = readSessionOptions(partner, body)
  } else {
    const parsed = parseScope(body.scope, target === 'mcp' ? [MCP_SCOPE] : undefined)
    if ('unknown' in parsed) throw new OAuthError('invalid_scope', `unknown scope: ${parsed.unknown.join(' ')}`)
    grantedScopes = parsed.scopes
    if (target === 'api' && grantedScopes.includes(MCP_SCOPE)) {
      throw new OAuthError('invalid_scope', `the "mcp" scope is granted only with resource=${deps.config.publicUrl}/mcp`)
    }
  }
  if (body.toolset !== undefined && target !== 'mcp') {
    throw new OAuthError('invalid_request', `toolset is for MCP tokens (resource=${deps.config.publicUrl}/mcp)`)
  }
  if (target === 'mcp') {
    const name = body.toolset ?? DEFAULT_TOOLSET
    // Checked before the lookup, and never echoed: an error description holds no input (RFC 6749 §5.2).
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) throw new OAuthError('invalid_request', 'toolset is not a toolset name')
    const reference = await deps.toolsets.reference(partner.id, name)
    if (reference === undefined) throw new OAuthError('invalid_request', `toolset ${name} does not exist`)
    toolset = reference
  }

  if (isPatchbayToken(subjectToken)) {
    throw new OAuthError('invalid_grant', 'subject_token must be a partner-signed JWT; Patchbay-issued tokens cannot be exchanged')
  }
  const now = Date.now()
  let verified: Awaited<ReturnType<typeof verifyPartnerJwt>>
  try {
    verified = await verifyPartnerJwt(subjectToken, partner, deps.jwks, deps.config.jwt, now, log)
  } catch (err) {
    if (err instanceof PartnerJwtError) throw new OAuthError('invalid_grant', err.message, { cause: err })
    throw err
  }

  const jtiExpiresAt = (verified.payload.exp + deps.config.jwt.clockSkew) * 1000
  const jtiUsed = () => new OAuthError('invalid_grant', 'subject_token "jti" has already been used')

  if (!sessionOptions) {
    const { token, hash } = newAccessToken()
    const issued = await deps.exchangeWrites.issueAccessToken({
      partnerId: partner.id,
      jti: verified.payload.jti,
      jtiExpiresAt,
      tenantId: verified.tenantId,
      externalId: verified.userId,
      tokenHash: hash,
      scope: grantedScopes.join(' '),
      expiresAt: now + deps.config.accessTokenTtl * 1000,
      now,
      resource: target === 'mcp' ? 'mcp' : null,
      toolset,
    })
    if (!issued) throw jtiUsed()
    return {
      access_token: token,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer' as const,
      expires_in: deps.config.accessTokenTtl,
      scope: grantedScopes.join(' '),
    }
  }

  const options = sessionOptions
  return deps.database.db.transaction().execute(async (trx) => {
    const marked = await trx
      .insertInto('used_jtis')
      .values({ partner_id: partner.id, jti: verified.payload.jti, expires_at: jtiExpiresAt })
      .onConflict((oc) => oc.columns(['partner_id', 'jti']).doNothing())
      .executeTakeFirst()
    if (!marked.numInsertedOrUpdatedRows) throw jtiUsed()
    const user = await upsertEndUser(trx, partner.id, verified.tenantId, verified.userId, now)
    const session = await deps.sessions.create(trx, {
      partnerId: partner.id,
      endUserId: user.id,
      options,
      ttlSeconds: deps.config.sessionTtl,
      now,
    })
    return {
      access_token: session.code,
      issued_token_type: CONNECT_SESSION_TOKEN_TYPE,
      token_type: 'N_A' as const,
      expires_in: deps.config.sessionTtl,
      scope: 'connect',
      session_id: session.id,
      connect_url: connectUrl(deps.config.publicUrl, session.code, options.apps.length === 1 ? (options.apps[0] as string) : null),
    }
  })
}

/**
 * `resource` and `audience` (RFC 8693 §2.1, RFC 8707), when given, must name this Patchbay: its REST
 * API (the base URL, or `/v1`) or its MCP endpoint (`/mcp`), which get tokens the other refuses.
 */
function checkTarget(publicUrl: string, body: TokenRequestBody): 'api' | 'mcp' {
  const api = new Set([publicUrl, `${publicUrl}/`, `${publicUrl}/v1`])
  const mcp = `${publicUrl}/mcp`
  const targets = new Set<'api' | 'mcp'>()
  for (const param of ['resource', 'audience'] as const) {
    const value = body[param]
    if (value === undefined) continue
    if (value === mcp) targets.add('mcp')
    else if (api.has(value)) targets.add('api')
    else throw new OAuthError('invalid_target', `${param} must be ${publicUrl} or ${mcp}`)
  }
  if (targets.size > 1) throw new OAuthError('invalid_target', 'resource and audience name different resources')
  return targets.has('mcp') ? 'mcp' : 'api'
}

/** Connect session options travel as extra token request parameters. */
function readSessionOptions(partner: Partner, body: TokenRequestBody): SessionOptions {
  try {
    return validateSessionOptions(partner, {
      apps: body.apps?.split(/[ ,]+/).filter(Boolean),
      allowedOrigin: body.allowed_origin,
      redirectUri: body.redirect_uri,
      reconnectId: body.reconnect_id,
      customState: body.custom_state,
      allowMultiple: body.allow_multiple === undefined ? undefined : body.allow_multiple === 'true',
    })
  } catch (err) {
    if (err instanceof SessionOptionError) throw new OAuthError('invalid_request', err.message)
    throw err
  }
}

import { checkRequestOptions, type RequestOptions } from './lib/api.js'
import { RestClient } from './lib/rest-client.js'
import { basicAuthorization, normalizeBaseUrl, type Transport } from './lib/transport.js'
import { PartnerApi } from './resources/partner.js'
import { checkPartnerJwtOptions, type PartnerJwtOptions, signPartnerJwt } from './token/sign-partner-jwt.js'
import { importSigningKey, type PrivateKeyInput, type SigningAlgorithm, type SigningKey } from './token/signing-key.js'
import { revokeToken } from './token/revoke-token.js'
import { TokenCache } from './token/token-cache.js'
import type { Scope } from './token/token-types.js'
import { PatchbayUser } from './user.js'

export interface PatchbayOptions {
  /** Where Patchbay runs (its public URL), e.g. `https://patchbay.example.com`. */
  baseUrl: string | URL
  /** The partner's client id (`patchbay partner create`). */
  clientId: string
  /** The partner's client secret. Server side only. */
  clientSecret: string
  /**
   * The private key whose public half is in the partner's JWKS: the SDK signs a short-lived JWT per
   * end user with it. Leave it out and give each user a `subjectToken` instead.
   */
  privateKey?: PrivateKeyInput
  /** `kid` of the key in the partner's JWKS (default: the JWK's own `kid`). */
  keyId?: string
  /** Signing algorithm (default: the JWK's `alg`, else the one the key type implies). */
  algorithm?: SigningAlgorithm
  /** `iss` of the JWTs, as registered for the partner. Required with `privateKey`. */
  issuer?: string
  /** `aud` of the JWTs, as registered for the partner. Required with `privateKey`. */
  audience?: string
  /** The claim the partner registered for the user id (default `sub`). */
  userClaim?: string
  /** The claim the partner registered for the tenant id (default `org`). */
  tenantClaim?: string
  /** Lifetime of the signed JWTs in seconds (default 60, at most 300). */
  jwtLifetimeSeconds?: number
  /** Get a new access token this many seconds before the cached one expires (default 60; at most half its lifetime). */
  tokenRefreshMarginSeconds?: number
  /** Access tokens kept in memory, least recently used dropped first (default 10000). */
  maxCachedTokens?: number
  /** A fetch implementation (default: the global `fetch`): for proxies, instrumentation, tests. */
  fetch?: typeof fetch
  /**
   * Retries of a safe call (a GET, PUT or DELETE, a token exchange, a run created with its
   * Idempotency-Key) after a network error, a timeout, a 429 or a 5xx (default 2; 0 turns retries off).
   */
  maxRetries?: number
  /** Each attempt's time limit in ms (default 60000); past it the attempt fails with `PB_ERR_TIMEOUT`. */
  timeoutMs?: number
  /**
   * The longest wait before a retry in ms (default 30000): backoff is capped there, and an answer
   * whose `Retry-After` asks for longer is thrown (with `retryAfter`) instead of waited for.
   */
  maxRetryDelayMs?: number
}

export interface ForUserOptions {
  /** The partner's own id of the end user (the JWT's user claim). */
  userId: string
  /** The end user's tenant (workspace, organization), sent in the tenant claim. */
  tenantId?: string
  /** Extra claims for the signed JWT. */
  claims?: Record<string, unknown>
  /**
   * Supplies a ready partner JWT for this user instead of the SDK signing one; called for every
   * exchange (each JWT's `jti` is single use). `userId` and `tenantId` still key the token cache.
   */
  subjectToken?: () => Promise<string> | string
  /** Ask for an access token with fewer scopes (default: all). */
  scopes?: Scope[]
}

function requiredString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${path}: must be a non-empty string`)
  return value
}

function optionalString(value: unknown, path: string): string | undefined {
  return value === undefined ? undefined : requiredString(value, path)
}

function positiveInteger(value: unknown, fallback: number, path: string, min = 1): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new TypeError(`${path}: must be an integer ≥ ${min}`)
  return value
}

/**
 * The Patchbay backend SDK. One instance per partner (per process): it holds the client
 * credentials, the signing key and the access token cache.
 *
 * ```ts
 * const patchbay = new Patchbay({ baseUrl, clientId, clientSecret, privateKey, issuer, audience })
 * const user = patchbay.forUser({ userId: 'user-123', tenantId: 'workspace-42' })
 * const { data } = await user.connections.list()
 * ```
 */
export class Patchbay {
  readonly baseUrl: string
  /** The operator API (`/v1/partner/*`, with the client id and secret): every end user's connections, webhook events, MCP toolsets. */
  readonly partner: PartnerApi
  private readonly transport: Transport
  private readonly cache: TokenCache
  private readonly signing:
    | {
        key: SigningKey
        issuer: string
        audience: string
        userClaim: string | undefined
        tenantClaim: string | undefined
        lifetime: number
      }
    | undefined

  constructor(options: PatchbayOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options: must be an object')
    this.baseUrl = normalizeBaseUrl(options.baseUrl, 'options.baseUrl')
    const fetchFn = options.fetch ?? globalThis.fetch
    if (typeof fetchFn !== 'function') throw new TypeError('options.fetch: must be a function')
    this.transport = {
      baseUrl: this.baseUrl,
      fetch: fetchFn,
      clientId: requiredString(options.clientId, 'options.clientId'),
      clientSecret: requiredString(options.clientSecret, 'options.clientSecret'),
      policy: {
        maxRetries: positiveInteger(options.maxRetries, 2, 'options.maxRetries', 0),
        timeoutMs: positiveInteger(options.timeoutMs, 60_000, 'options.timeoutMs'),
        maxRetryDelayMs: positiveInteger(options.maxRetryDelayMs, 30_000, 'options.maxRetryDelayMs', 0),
        baseDelayMs: 500,
      },
    }
    const basic = basicAuthorization(this.transport.clientId, this.transport.clientSecret)
    this.partner = new PartnerApi(new RestClient(this.transport, { header: async () => ({ value: basic, refused: () => false }) }))
    const margin = positiveInteger(options.tokenRefreshMarginSeconds, 60, 'options.tokenRefreshMarginSeconds', 0)
    this.cache = new TokenCache(margin * 1000, positiveInteger(options.maxCachedTokens, 10_000, 'options.maxCachedTokens'))
    if (options.privateKey !== undefined) {
      const lifetime = positiveInteger(options.jwtLifetimeSeconds, 60, 'options.jwtLifetimeSeconds')
      if (lifetime > 300) throw new TypeError('options.jwtLifetimeSeconds: must be at most 300')
      this.signing = {
        key: importSigningKey(
          options.privateKey,
          { algorithm: options.algorithm, keyId: optionalString(options.keyId, 'options.keyId') },
          'options.privateKey',
        ),
        issuer: requiredString(options.issuer, 'options.issuer (required with options.privateKey)'),
        audience: requiredString(options.audience, 'options.audience (required with options.privateKey)'),
        userClaim: optionalString(options.userClaim, 'options.userClaim'),
        tenantClaim: optionalString(options.tenantClaim, 'options.tenantClaim'),
        lifetime,
      }
    }
  }

  /** Patchbay as one end user. Users share this instance's token cache, keyed by tenant, user and scopes. */
  forUser(options: ForUserOptions): PatchbayUser {
    if (typeof options !== 'object' || options === null) throw new TypeError('options: must be an object')
    const userId = requiredString(options.userId, 'options.userId')
    const tenantId = optionalString(options.tenantId, 'options.tenantId')
    const scopes = options.scopes === undefined ? undefined : [...new Set(options.scopes)].sort()
    if (scopes && (scopes.length === 0 || scopes.some((s) => typeof s !== 'string' || !/^[a-z:]+$/.test(s)))) {
      throw new TypeError('options.scopes: must be a non-empty array of scopes')
    }
    const subjectToken = this.subjectTokenSource(options, userId, tenantId)
    return new PatchbayUser({
      transport: this.transport,
      cache: this.cache,
      cacheKey: JSON.stringify([tenantId ?? null, userId, scopes ?? null]),
      subjectToken,
      accessTokenParams: scopes ? { scope: scopes.join(' ') } : {},
      userId,
      tenantId,
    })
  }

  /**
   * Revokes an access token at Patchbay (RFC 7009; e.g. when the end user signs out of your product)
   * and drops it from this instance's cache: the next call for that user exchanges a new JWT. Resolves
   * also for a token that was expired or already revoked; throws OAuthError when Patchbay refuses the
   * client credentials.
   */
  async revokeToken(token: string, requestOptions?: RequestOptions): Promise<void> {
    await revokeToken(this.transport, requiredString(token, 'token'), checkRequestOptions(requestOptions))
    this.cache.forgetToken(token)
  }

  /** Forgets every cached access token (e.g. after rotating the client secret). */
  clearTokenCache(): void {
    this.cache.clear()
  }

  private subjectTokenSource(options: ForUserOptions, userId: string, tenantId: string | undefined): () => Promise<string> {
    const supplied = options.subjectToken
    if (supplied !== undefined) {
      if (typeof supplied !== 'function') throw new TypeError('options.subjectToken: must be a function returning a JWT')
      return async () => requiredString(await supplied(), 'options.subjectToken()')
    }
    const signing = this.signing
    if (!signing) {
      throw new TypeError('options.subjectToken: required unless new Patchbay() was given privateKey, issuer and audience')
    }
    const claims = options.claims
    if (claims !== undefined && (typeof claims !== 'object' || claims === null || Array.isArray(claims))) {
      throw new TypeError('options.claims: must be an object')
    }
    const jwtOptions: PartnerJwtOptions = {
      issuer: signing.issuer,
      audience: signing.audience,
      userId,
      userClaim: signing.userClaim,
      tenantId,
      tenantClaim: signing.tenantClaim,
      claims: claims === undefined ? undefined : { ...claims },
      lifetimeSeconds: signing.lifetime,
    }
    // Bad claims throw here rather than at the first call.
    checkPartnerJwtOptions(jwtOptions)
    return async () => signPartnerJwt(signing.key, jwtOptions)
  }
}

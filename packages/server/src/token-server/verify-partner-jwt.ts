import { decodeProtectedHeader, type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose'
import type { Config } from '../config/config.js'
import type { LineLogger } from '../logger.js'
import type { Partner } from '../partners/partner-store.js'
import { type JwksCache, JwksUnavailableError } from './jwks-cache.js'

/** Why a partner JWT was refused; `message` is safe to return to the partner. */
export class PartnerJwtError extends Error {
  override name = 'PartnerJwtError'
  constructor(
    message: string,
    readonly reason:
      'oversized' | 'malformed' | 'algorithm' | 'signature' | 'no_key' | 'claims' | 'expired' | 'lifetime' | 'jwks_unavailable',
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export interface VerifiedPartnerJwt {
  payload: JWTPayload & { exp: number; jti: string }
  tenantId: string
  userId: string
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Verifies a partner-signed JWT (RFC 7523 / RFC 8725): size first, then header shape, then the
 * signature with a key chosen by `kid` from that partner's JWKS only, then claims. Header-supplied
 * key locations (`jku`, `x5u`, `jwk`, `x5c`) are never used: keys come from the partner's config.
 * The `jti` is returned for the caller to mark used (single use needs the database).
 */
export async function verifyPartnerJwt(
  token: string,
  partner: Partner,
  jwks: JwksCache,
  options: Config['jwt'],
  now: number = Date.now(),
  /** The request's logger: a key set fetched for this token logs with its `reqId`. */
  log?: LineLogger,
): Promise<VerifiedPartnerJwt> {
  if (Buffer.byteLength(token) > options.maxBytes) {
    throw new PartnerJwtError(`subject_token is larger than ${options.maxBytes} bytes`, 'oversized')
  }
  if (!COMPACT_JWS.test(token)) {
    // Five-part JWE (PBES2 or otherwise), JSON serialization, garbage: none of them is a signed JWT.
    throw new PartnerJwtError('subject_token is not a compact JWS (signed JWT)', 'malformed')
  }
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(token)
  } catch {
    throw new PartnerJwtError('subject_token header is not valid', 'malformed')
  }
  if (typeof header.alg !== 'string' || !(partner.algorithms as string[]).includes(header.alg)) {
    throw new PartnerJwtError(
      `subject_token algorithm ${JSON.stringify(header.alg ?? null)} is not allowed for this partner (allowed: ${partner.algorithms.join(', ')})`,
      'algorithm',
    )
  }

  let getKey: JWTVerifyGetKey
  try {
    getKey = await jwks.resolver(partner, log)
  } catch (err) {
    if (err instanceof JwksUnavailableError) throw new PartnerJwtError(err.message, 'jwks_unavailable', { cause: err })
    throw err
  }

  const verifyOptions = {
    algorithms: partner.algorithms,
    issuer: partner.issuer,
    audience: partner.audience,
    clockTolerance: options.clockSkew,
    requiredClaims: ['exp', 'jti'],
    currentDate: new Date(now),
  }
  let payload: JWTPayload
  try {
    payload = (await jwtVerify(token, getKey, verifyOptions)).payload
  } catch (err) {
    if (err instanceof joseErrors.JWKSNoMatchingKey) {
      const refreshed = await jwks.refreshForUnknownKid(partner, getKey, log)
      if (!refreshed) throw mapJoseError(err, header.kid)
      try {
        payload = (await jwtVerify(token, refreshed, verifyOptions)).payload
      } catch (retryErr) {
        throw mapJoseError(retryErr, header.kid)
      }
    } else {
      throw mapJoseError(err, header.kid)
    }
  }

  // jose accepts an `aud` array that merely contains ours; a token meant for several audiences is refused.
  if (Array.isArray(payload.aud) && payload.aud.some((a) => a !== partner.audience)) {
    throw new PartnerJwtError('subject_token "aud" must name only this Patchbay partner audience', 'claims')
  }
  const nowSeconds = Math.floor(now / 1000)
  const exp = payload.exp as number
  if (typeof payload.iat === 'number') {
    if (payload.iat > nowSeconds + options.clockSkew) {
      throw new PartnerJwtError('subject_token "iat" is in the future', 'claims')
    }
    if (exp - payload.iat > options.maxLifetime) {
      throw new PartnerJwtError(`subject_token lifetime (exp - iat) exceeds ${options.maxLifetime}s`, 'lifetime')
    }
  }
  if (exp - nowSeconds > options.maxLifetime + options.clockSkew) {
    throw new PartnerJwtError(`subject_token "exp" is more than ${options.maxLifetime}s away`, 'lifetime')
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
    throw new PartnerJwtError('subject_token "jti" must be a non-empty string of at most 256 characters', 'claims')
  }

  const userId = claimAsId(payload, partner.userClaim)
  const tenantId = partner.tenantClaim ? claimAsId(payload, partner.tenantClaim) : 'default'
  return { payload: payload as VerifiedPartnerJwt['payload'], userId, tenantId }
}

function claimAsId(payload: JWTPayload, claim: string): string {
  const value = payload[claim]
  if ((typeof value !== 'string' || value.length === 0) && typeof value !== 'number') {
    throw new PartnerJwtError(`subject_token claim "${claim}" is missing or not a string`, 'claims')
  }
  const id = String(value)
  if (id.length > 256) throw new PartnerJwtError(`subject_token claim "${claim}" is longer than 256 characters`, 'claims')
  // PostgreSQL text cannot hold U+0000; refused on SQLite too, so both databases behave alike.
  if (id.includes('\u0000')) throw new PartnerJwtError(`subject_token claim "${claim}" contains a NUL character`, 'claims')
  return id
}

function mapJoseError(err: unknown, kid: unknown): PartnerJwtError {
  if (err instanceof PartnerJwtError) return err
  if (err instanceof joseErrors.JWTExpired) return new PartnerJwtError('subject_token has expired', 'expired', { cause: err })
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return new PartnerJwtError(`subject_token "${err.claim}" claim check failed: ${err.reason}`, 'claims', { cause: err })
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new PartnerJwtError(`no key in the partner's JWKS matches the subject_token (kid ${JSON.stringify(kid ?? null)})`, 'no_key', {
      cause: err,
    })
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new PartnerJwtError('subject_token signature is invalid', 'signature', { cause: err })
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    return new PartnerJwtError(`subject_token is not acceptable: ${(err as Error).message}`, 'algorithm', { cause: err })
  }
  if (err instanceof joseErrors.JOSEError) {
    return new PartnerJwtError(`subject_token is invalid: ${err.message}`, 'malformed', { cause: err })
  }
  throw err
}

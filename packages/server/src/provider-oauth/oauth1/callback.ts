import { timingSafeEqual } from 'node:crypto'
import { OAuth1Error } from './errors.js'

export interface CallbackParams {
  token: string
  verifier: string
}

export interface ReadCallbackOptions {
  /** The request token this session obtained: the callback's `oauth_token` must equal it (docs/security.md, "OAuth with providers"). */
  expectedToken?: string
}

/**
 * Reads the provider's redirect to the callback (RFC 5849 §2.2) from the parsed query.
 *
 * - A refusal is reported as PB_OAUTH1_DENIED: a `denied` parameter (Twitter style), an
 *   `oauth_problem` (e.g. `user_refused`), an `error` parameter, or a callback carrying no
 *   `oauth_verifier` at all (how providers without a denial parameter send the user back).
 * - Otherwise both `oauth_token` and `oauth_verifier` must be single non-empty strings, else
 *   PB_OAUTH1_MISSING_VERIFIER.
 * - With `expectedToken`, a different `oauth_token` is PB_OAUTH1_TOKEN_MISMATCH (constant-time compare).
 */
export function readCallback(query: Record<string, unknown>, options: ReadCallbackOptions = {}): CallbackParams {
  const has = (name: string) => Object.hasOwn(query, name) && query[name] !== undefined
  if (has('denied') || has('oauth_problem') || has('error')) {
    throw new OAuth1Error('PB_OAUTH1_DENIED', 'the user denied access at the provider')
  }
  if (!has('oauth_verifier')) {
    throw new OAuth1Error('PB_OAUTH1_DENIED', 'the provider sent the user back without an oauth_verifier: access was not granted')
  }
  const token = query['oauth_token']
  const verifier = query['oauth_verifier']
  if (typeof token !== 'string' || token === '') {
    throw new OAuth1Error('PB_OAUTH1_MISSING_VERIFIER', 'the callback oauth_token must be one non-empty string')
  }
  if (typeof verifier !== 'string' || verifier === '') {
    throw new OAuth1Error('PB_OAUTH1_MISSING_VERIFIER', 'the callback oauth_verifier must be one non-empty string')
  }
  if (options.expectedToken !== undefined && !sameString(token, options.expectedToken)) {
    throw new OAuth1Error('PB_OAUTH1_TOKEN_MISMATCH')
  }
  return { token, verifier }
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

import { randomBytes } from 'node:crypto'
import { isOrigin } from './html.js'

const NONCE = /^[A-Za-z0-9+/_-]{16,}={0,2}$/

/** A fresh CSP nonce for one response: 128 random bits, base64. */
export function newNonce(): string {
  return randomBytes(16).toString('base64')
}

export function assertNonce(nonce: string): void {
  if (typeof nonce !== 'string' || !NONCE.test(nonce)) throw new TypeError('nonce must be a base64 string of at least 16 characters')
}

export interface CspOptions {
  /**
   * Extra origins forms may submit to. Browsers apply `form-action` to the redirects that follow a form POST too,
   * so a POST answered with a 302 to another origin is blocked: answer it with a page (`renderRedirecting`) instead,
   * or list the target here.
   */
  formAction?: string[]
  /** Extra origins images may come from (a partner's logo on its own host). */
  imgSrc?: string[]
}

/**
 * The Connect UI's Content-Security-Policy: nothing loads but nonce'd inline styles and scripts and same-origin (or
 * `data:`) images; forms post to this origin; framing only by the given origins (`'none'` when empty). Every origin
 * must be exact (`https://host[:port]`); anything else throws, so a header can never be injected.
 */
export function contentSecurityPolicy(nonce: string, frameAncestors: string[], options: CspOptions = {}): string {
  assertNonce(nonce)
  const ancestors = frameAncestors.map((o, i) => checkedOrigin(o, `frameAncestors[${i}]`))
  const formTargets = (options.formAction ?? []).map((o, i) => checkedOrigin(o, `formAction[${i}]`))
  const imageSources = (options.imgSrc ?? []).map((o, i) => checkedOrigin(o, `imgSrc[${i}]`))
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    ["img-src 'self' data:", ...imageSources].join(' '),
    ["form-action 'self'", ...formTargets].join(' '),
    "base-uri 'none'",
    `frame-ancestors ${ancestors.length > 0 ? ancestors.join(' ') : "'none'"}`,
  ].join('; ')
}

function checkedOrigin(origin: string, path: string): string {
  if (origin === "'self'" || isOrigin(origin)) return origin
  throw new TypeError(`${path} must be an exact origin such as https://app.example.com`)
}

/**
 * Headers for every Connect UI page. No Cross-Origin-Opener-Policy: it would sever `window.opener` of the popup,
 * and the result page needs it to post the outcome back to the partner's page.
 */
export function pageHeaders(nonce: string, frameAncestors: string[], options: CspOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': contentSecurityPolicy(nonce, frameAncestors, options),
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  }
  // For browsers without CSP frame-ancestors; only when no framing is allowed at all.
  if (frameAncestors.length === 0) headers['X-Frame-Options'] = 'DENY'
  return headers
}

/**
 * The caller's part of a proxied URL (`/v1/proxy/{connection_id}<path>?<query>`), checked so that it
 * can only ever name something under the app's API base URL.
 *
 * The path is taken from the raw request line, never from a decoded or normalized form, and is
 * appended to the base path by string concatenation (never resolved as a relative URL, so `//host`
 * or `http:` stays a path). It is refused (PB_ERR_VALIDATION) when:
 * - a segment is `.` or `..`, also percent-encoded (`%2e%2e`) or double-encoded (`%252e`);
 * - it has an empty segment (`//`), except for a trailing slash;
 * - a character outside RFC 3986 `pchar` appears raw (backslash, space, control, non-ASCII, `#`...);
 * - a percent sign does not start a valid escape, or an escape encodes a control character;
 * - an encoded slash or backslash (`%2F`, `%5C`) would, once decoded by a server that treats it as a
 *   separator, produce an empty, `.` or `..` segment (`..%2Fadmin`, `%2Fetc`); a plain `a%2Fb` (GitLab's
 *   URL-encoded project paths) is passed on unchanged.
 */

export class ProxyPathError extends Error {
  override name = 'ProxyPathError'
}

export interface ProxyTail {
  /** `''` (the base URL itself) or `/…`, exactly as sent. */
  path: string
  /** The raw query string without `?` (`''` when none). */
  query: string
}

// RFC 3986 pchar: unreserved / pct-encoded / sub-delims / ":" / "@".
const PCHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%]*$/
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/
// Escapes of C0 controls and DEL, and double-encoded dots, slashes, backslashes and percent signs.
const FORBIDDEN_ESCAPE = /%(?:[01][0-9A-Fa-f]|7[Ff])|%25(?:2[EeFf5]|5[Cc])/
const ENCODED_DOT = /%2[Ee]/g
const ENCODED_SEPARATOR = /%2[Ff]|%5[Cc]/
// Query: anything visible except '#'; Node's parser already refuses spaces and controls.
const QUERY_CHARS = /^[\x21-\x22\x24-\x7e]*$/

function isDotSegment(segment: string): boolean {
  return segment === '.' || segment === '..'
}

function checkSegment(segment: string): void {
  if (!PCHARS.test(segment)) throw new ProxyPathError('the path contains a character that must be percent-encoded')
  if (!segment.includes('%')) {
    if (isDotSegment(segment)) throw new ProxyPathError('the path must not contain "." or ".." segments')
    return
  }
  if (BAD_ESCAPE.test(segment)) throw new ProxyPathError('the path contains an invalid percent-encoding')
  if (FORBIDDEN_ESCAPE.test(segment)) throw new ProxyPathError('the path contains a forbidden percent-encoded character')
  const dotted = segment.replace(ENCODED_DOT, '.')
  if (isDotSegment(dotted)) throw new ProxyPathError('the path must not contain "." or ".." segments')
  if (ENCODED_SEPARATOR.test(dotted)) {
    // What a server that decodes %2F / %5C into separators would see.
    for (const part of dotted.split(/%2[Ff]|%5[Cc]/)) {
      if (part === '' || isDotSegment(part)) {
        throw new ProxyPathError('an encoded slash or backslash in the path would change which resource is addressed')
      }
    }
  }
}

/**
 * Splits and checks what follows `/v1/proxy/{connection_id}` in the raw request target. Throws a
 * {@link ProxyPathError} (the message names the problem, never echoes the path).
 */
export function parseProxyTail(tail: string): ProxyTail {
  const q = tail.indexOf('?')
  const path = q < 0 ? tail : tail.slice(0, q)
  const query = q < 0 ? '' : tail.slice(q + 1)
  if (path !== '' && path[0] !== '/') throw new ProxyPathError('the path must start with "/"')
  if (query !== '' && !QUERY_CHARS.test(query))
    throw new ProxyPathError('the query string contains a character that must be percent-encoded')
  if (path.length > 1) {
    const segments = path.slice(1).split('/')
    const last = segments.length - 1
    for (let i = 0; i <= last; i++) {
      const segment = segments[i] as string
      if (segment === '') {
        if (i === last) break
        throw new ProxyPathError('the path must not contain empty segments ("//")')
      }
      checkSegment(segment)
    }
  }
  return { path, query }
}

/**
 * The query sent upstream: the base URL's own query, then the caller's pairs, without any pair whose
 * name the app injects itself (credentials in the query always win), then the injected pairs.
 */
export function upstreamQuery(baseQuery: string, callerQuery: string, injected: ReadonlyArray<readonly [string, string]>): string {
  let caller = callerQuery
  if (injected.length > 0 && caller !== '') {
    const names = new Set(injected.map(([name]) => name))
    caller = caller
      .split('&')
      .filter((pair) => {
        const eq = pair.indexOf('=')
        const raw = eq < 0 ? pair : pair.slice(0, eq)
        let name: string
        try {
          name = decodeURIComponent(raw.replaceAll('+', ' '))
        } catch {
          name = raw
        }
        return !names.has(name)
      })
      .join('&')
  }
  let out = baseQuery
  if (caller !== '') out = out === '' ? caller : `${out}&${caller}`
  for (const [name, value] of injected) {
    const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`
    out = out === '' ? pair : `${out}&${pair}`
  }
  return out
}

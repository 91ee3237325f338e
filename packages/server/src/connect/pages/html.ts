/**
 * A tiny auto-escaping HTML template tag. Every interpolated value is escaped unless it is a {@link SafeHtml}
 * produced by `html` itself, by `raw()` (trusted constants only) or by `jsonScriptContent()`. Arrays are joined.
 * Attribute values must be written double-quoted in templates: `<a href="${url}">`.
 */

export class SafeHtml {
  readonly #value: string
  constructor(value: string) {
    this.#value = value
  }
  toString(): string {
    return this.#value
  }
}

/** `false`, `null` and `undefined` render nothing, so `${cond && html`…`}` works. */
export type HtmlValue = SafeHtml | string | number | false | null | undefined | readonly HtmlValue[]

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

function render(value: HtmlValue): string {
  if (value === false || value === null || value === undefined) return ''
  if (value instanceof SafeHtml) return value.toString()
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '')
  return new SafeHtml(out)
}

/** Marks a trusted constant (never user, partner or catalog input) as HTML. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted)
}

/**
 * JSON for a `<script type="application/json">` block or a script literal: `<`, `>`, `&`, U+2028 and U+2029 are
 * written as `\uXXXX` escapes, so no value can close the script element or start an HTML comment.
 */
export function jsonScriptContent(value: unknown): SafeHtml {
  const json = JSON.stringify(value) ?? 'null'
  return new SafeHtml(json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
}

const BASE = 'https://patchbay.invalid'

/**
 * A URL that may go into `href`, `action` or a meta refresh: an absolute http(s) URL without user info, or a
 * same-origin path starting with one `/`. Anything else (`javascript:`, `data:`, `//evil.com`, `/\evil.com`)
 * throws a TypeError naming `what`. Returns the URL as the browser would parse it.
 */
export function safeUrl(url: string, what: string): string {
  if (typeof url !== 'string' || url.length === 0 || url.length > 8192) throw new TypeError(`${what} must be a non-empty URL`)
  if (url.startsWith('/')) {
    let parsed: URL
    try {
      parsed = new URL(url, BASE)
    } catch {
      throw new TypeError(`${what} is not a valid path`)
    }
    // `//evil.com`, `/\evil.com` and friends parse to another origin.
    if (parsed.origin !== BASE || /^\/[\\/]/.test(url.replace(/[\t\n\r]/g, ''))) throw new TypeError(`${what} must stay on this origin`)
    return parsed.pathname + parsed.search + parsed.hash
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError(`${what} must be an http(s) URL or a path starting with /`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new TypeError(`${what} must use http or https, not ${parsed.protocol}`)
  if (parsed.username || parsed.password) throw new TypeError(`${what} must not contain user info`)
  return parsed.href
}

/** Like {@link safeUrl} for images, also allowing `data:image/…;base64` URLs; undefined instead of throwing. */
export function safeImageUrl(url: string | undefined): string | undefined {
  if (!url) return undefined
  if (/^data:image\/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*$/.test(url)) return url
  try {
    return safeUrl(url, 'logoUrl')
  } catch {
    return undefined
  }
}

/** An exact web origin (`https://app.example.com[:port]`), as postMessage targets and CSP sources need. */
export function isOrigin(value: string): boolean {
  try {
    const u = new URL(value)
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === value && /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])$/.test(u.hostname)
  } catch {
    return false
  }
}

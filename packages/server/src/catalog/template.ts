import type { App, AuthOption, Field } from './app-schema.js'

/**
 * Catalog templates: `{params.x}`, `{credentials.x}`, `{metadata.x}` and `{settings.x}` inside URLs,
 * header values, token parameters and request bodies. Anything else in braces (a JSON body, a
 * GraphQL query) is literal text.
 *
 * URLs are the dangerous case (docs/security.md, "Connection parameters and outbound requests"): a value
 * must never change where a request goes. `renderUrl` therefore checks each value against the place
 * it lands in (whole origin, host label, path segment, query), re-checks connection parameters
 * against their field pattern, and checks the result (https, no userinfo, host under the app's
 * allowed hosts).
 *
 * About 400 lines on purpose: parsing a template, rendering it and the checks that make rendering a
 * URL safe are one unit; a renderer in one module and its checks in another could be called apart.
 */

export const templateNamespaces = ['params', 'credentials', 'metadata', 'settings'] as const
export type TemplateNamespace = (typeof templateNamespaces)[number]

export type TemplateValues = { [N in TemplateNamespace]?: Readonly<Record<string, string | undefined>> }

export type TemplateErrorCode =
  | 'PB_TEMPLATE_UNKNOWN_PLACEHOLDER'
  | 'PB_TEMPLATE_MISSING_VALUE'
  | 'PB_TEMPLATE_UNSAFE_VALUE'
  | 'PB_URL_INVALID'
  | 'PB_URL_NOT_HTTPS'
  | 'PB_URL_HAS_CREDENTIALS'
  | 'PB_URL_HOST_NOT_ALLOWED'

/** A template could not be rendered, or the URL it produced is not allowed. Never carries a value. */
export class TemplateError extends Error {
  override name = 'TemplateError'
  readonly code: TemplateErrorCode
  /** The placeholder at fault, e.g. `params.subdomain`, when there is one. */
  readonly placeholder: string | undefined

  constructor(code: TemplateErrorCode, message: string, placeholder?: string) {
    super(message)
    this.code = code
    this.placeholder = placeholder
  }
}

/** One `{namespace.name}` occurrence in a template. */
export interface Placeholder {
  namespace: string
  name: string
  /** `namespace.name` */
  ref: string
  start: number
  end: number
}

const PLACEHOLDER = /\{([a-z_]+)\.([A-Za-z_][A-Za-z0-9_]*)\}/g

/** Lists the placeholders of a template, in order (namespaces are not checked here). */
export function parsePlaceholders(template: string): Placeholder[] {
  const found: Placeholder[] = []
  for (const match of template.matchAll(PLACEHOLDER)) {
    const namespace = match[1] as string
    const name = match[2] as string
    found.push({ namespace, name, ref: `${namespace}.${name}`, start: match.index, end: match.index + match[0].length })
  }
  return found
}

export function isTemplateNamespace(namespace: string): namespace is TemplateNamespace {
  return (templateNamespaces as readonly string[]).includes(namespace)
}

export interface RenderOptions {
  /** Applied to every substituted value, e.g. JSON string escaping for a request body. */
  escape?: (value: string) => string
}

// CR, LF and NUL would split a header or a request line.
const CONTROL = /[\r\n\0]/

function lookup(values: TemplateValues, placeholder: Placeholder): string {
  if (!isTemplateNamespace(placeholder.namespace)) {
    throw new TemplateError(
      'PB_TEMPLATE_UNKNOWN_PLACEHOLDER',
      `unknown placeholder {${placeholder.ref}}: the namespace must be one of ${templateNamespaces.join(', ')}`,
      placeholder.ref,
    )
  }
  const value = values[placeholder.namespace]?.[placeholder.name]
  if (value === undefined || value === '') {
    throw new TemplateError('PB_TEMPLATE_MISSING_VALUE', `no value for placeholder {${placeholder.ref}}`, placeholder.ref)
  }
  if (typeof value !== 'string') {
    throw new TemplateError('PB_TEMPLATE_UNSAFE_VALUE', `the value of {${placeholder.ref}} is not a string`, placeholder.ref)
  }
  if (CONTROL.test(value)) {
    throw new TemplateError('PB_TEMPLATE_UNSAFE_VALUE', `the value of {${placeholder.ref}} contains a control character`, placeholder.ref)
  }
  return value
}

/**
 * Renders a non-URL template (header value, token parameter, body). Fails with
 * `PB_TEMPLATE_UNKNOWN_PLACEHOLDER` on a namespace it does not know and `PB_TEMPLATE_MISSING_VALUE`
 * when a value is absent or empty; values with CR, LF or NUL are refused.
 */
export function renderTemplate(template: string, values: TemplateValues, options: RenderOptions = {}): string {
  let out = ''
  let last = 0
  for (const placeholder of parsePlaceholders(template)) {
    const value = lookup(values, placeholder)
    out += template.slice(last, placeholder.start) + (options.escape ? options.escape(value) : value)
    last = placeholder.end
  }
  return out + template.slice(last)
}

/** Escapes a value for use inside a JSON string literal in a body template. */
export function escapeJsonString(value: string): string {
  return JSON.stringify(value).slice(1, -1)
}

/** Where a placeholder lands in a URL template. */
export type UrlPosition = 'origin' | 'host' | 'path' | 'query'

/**
 * Classifies each placeholder of a URL template by position, judging from the literal text before
 * it. Throws `PB_URL_INVALID` for a placeholder in the scheme or a whole-URL placeholder that is not
 * at the very start.
 */
export function urlPlaceholderPositions(template: string): Array<{ placeholder: Placeholder; position: UrlPosition }> {
  const result: Array<{ placeholder: Placeholder; position: UrlPosition }> = []
  // Literal text so far, with earlier placeholders replaced by a neutral token.
  let prefix = ''
  let last = 0
  for (const placeholder of parsePlaceholders(template)) {
    prefix += template.slice(last, placeholder.start)
    last = placeholder.end
    let position: UrlPosition
    if (placeholder.start === 0) {
      position = 'origin'
    } else {
      const scheme = prefix.indexOf('://')
      if (scheme < 0) {
        throw new TemplateError(
          'PB_URL_INVALID',
          `placeholder {${placeholder.ref}} is not inside the URL's host, path or query`,
          placeholder.ref,
        )
      }
      const rest = prefix.slice(scheme + 3)
      if (/[?#]/.test(rest)) position = 'query'
      else if (rest.includes('/')) position = 'path'
      else if (/[:@]/.test(rest)) {
        throw new TemplateError(
          'PB_URL_INVALID',
          `placeholder {${placeholder.ref}} must not be in the URL's port or userinfo`,
          placeholder.ref,
        )
      } else position = 'host'
    }
    if (position === 'origin' && template.slice(placeholder.end).match(/^[^/?#]/)) {
      throw new TemplateError(
        'PB_URL_INVALID',
        `whole-URL placeholder {${placeholder.ref}} must be followed by "/", "?", "#" or nothing`,
        placeholder.ref,
      )
    }
    result.push({ placeholder, position })
    prefix += position === 'origin' ? 'https://origin.invalid' : 'x'
  }
  return result
}

const DNS_LABELS = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const PATH_SEGMENT = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/
const MAX_VALUE_LENGTH = 2048

/** Anchors a catalog pattern once more, so an unanchored alternation cannot slip through. */
export function fieldRegExp(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`)
}

/** Options of every URL check. */
export interface UrlCheckOptions {
  /**
   * Allows plain http to these host names: only for what the outbound address policy allows
   * (local development and tests, `AddressPolicy.allowsPlainHttp`). Everything else needs https.
   */
  allowHttp?: (hostname: string) => boolean
}

export interface RenderUrlOptions extends UrlCheckOptions {
  /**
   * Field descriptors of the connection parameters (and settings) in play: a `{params.x}` or
   * `{settings.x}` value must match its field's pattern, and a placeholder without a field is
   * refused. Omit only when the values were validated already (`validateConnectionParams`).
   */
  fields?: { params?: readonly Field[]; settings?: readonly Field[] }
}

function checkField(placeholder: Placeholder, value: string, fields: readonly Field[] | undefined): void {
  if (!fields) return
  const field = fields.find((f) => f.key === placeholder.name)
  if (!field) {
    throw new TemplateError('PB_TEMPLATE_UNKNOWN_PLACEHOLDER', `{${placeholder.ref}} is not a declared field`, placeholder.ref)
  }
  if (field.pattern === undefined || value.length > MAX_VALUE_LENGTH || !fieldRegExp(field.pattern).test(value)) {
    throw new TemplateError('PB_TEMPLATE_UNSAFE_VALUE', `the value of {${placeholder.ref}} does not match its pattern`, placeholder.ref)
  }
}

/**
 * Renders a URL template and checks the result. Each value is checked for the place it lands in:
 * a whole-URL value (`{metadata.instance_url}`) with {@link checkProviderUrl}; a host value must be
 * DNS labels (ASCII letters, digits, hyphens, dots); a path value must be one plain segment (no `/`,
 * `\`, `%`, `@`, `:`, `?`, `#`, not `.` or `..`), except credentials, which are percent-encoded; a
 * query value is percent-encoded. The rendered URL must parse, be https, carry no userinfo, and its
 * host must be allowed.
 */
export function renderUrl(template: string, values: TemplateValues, allowedHosts: readonly string[], options: RenderUrlOptions = {}): URL {
  let out = ''
  let last = 0
  for (const { placeholder, position } of urlPlaceholderPositions(template)) {
    const value = lookup(values, placeholder)
    if (placeholder.namespace === 'params') checkField(placeholder, value, options.fields?.params)
    if (placeholder.namespace === 'settings') checkField(placeholder, value, options.fields?.settings)
    let rendered: string
    switch (position) {
      case 'origin': {
        if (placeholder.namespace !== 'metadata' && placeholder.namespace !== 'settings') {
          throw new TemplateError(
            'PB_URL_INVALID',
            `only metadata or settings may supply a whole URL, not {${placeholder.ref}}`,
            placeholder.ref,
          )
        }
        const url = checkUrl(value, allowedHosts, options, placeholder.ref)
        if (url.search || url.hash) {
          throw new TemplateError(
            'PB_TEMPLATE_UNSAFE_VALUE',
            `the value of {${placeholder.ref}} must not carry a query or fragment`,
            placeholder.ref,
          )
        }
        rendered = url.origin + url.pathname.replace(/\/+$/, '')
        break
      }
      case 'host':
        if (!DNS_LABELS.test(value) || value.length > 253) {
          throw new TemplateError(
            'PB_TEMPLATE_UNSAFE_VALUE',
            `the value of {${placeholder.ref}} is not a valid host name part`,
            placeholder.ref,
          )
        }
        rendered = value.toLowerCase()
        break
      case 'path':
        if (value.length <= MAX_VALUE_LENGTH && PATH_SEGMENT.test(value)) {
          rendered = value
        } else if (placeholder.namespace === 'credentials' && value !== '.' && value !== '..') {
          rendered = encodeURIComponent(value)
        } else {
          throw new TemplateError(
            'PB_TEMPLATE_UNSAFE_VALUE',
            `the value of {${placeholder.ref}} is not a single plain path segment`,
            placeholder.ref,
          )
        }
        break
      case 'query':
        rendered = encodeURIComponent(value)
        break
    }
    out += template.slice(last, placeholder.start) + rendered
    last = placeholder.end
  }
  out += template.slice(last)
  return checkUrl(out, allowedHosts, options)
}

function checkUrl(raw: unknown, allowedHosts: readonly string[], options: UrlCheckOptions, ref?: string): URL {
  const what = ref ? `the value of {${ref}}` : 'the URL'
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_VALUE_LENGTH || /[\s\\]/.test(raw)) {
    throw new TemplateError('PB_URL_INVALID', `${what} is not a valid URL`, ref)
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new TemplateError('PB_URL_INVALID', `${what} is not a valid URL`, ref)
  }
  const plainHttpAllowed = url.protocol === 'http:' && options.allowHttp?.(url.hostname) === true
  if (url.protocol !== 'https:' && !plainHttpAllowed) throw new TemplateError('PB_URL_NOT_HTTPS', `${what} must use https`, ref)
  if (url.username || url.password) throw new TemplateError('PB_URL_HAS_CREDENTIALS', `${what} must not contain credentials`, ref)
  if (!isHostAllowed(url.hostname, allowedHosts)) {
    throw new TemplateError('PB_URL_HOST_NOT_ALLOWED', `${what} points at host "${url.hostname}", which is not allowed for this app`, ref)
  }
  return url
}

/**
 * Checks a URL that a provider returned (Salesforce's `instance_url`, a discovery document's
 * endpoints) before Patchbay sends anything to it: a string, an absolute https URL without
 * userinfo, whose host is allowed. Returns the parsed URL.
 */
export function checkProviderUrl(value: unknown, allowedHosts: readonly string[], options: UrlCheckOptions = {}): URL {
  return checkUrl(value, allowedHosts, options)
}

/**
 * True when `hostname` is one of `allowedHosts`: an exact match, or under a `*.` entry on a dot
 * boundary (`*.example.com` allows `a.example.com` and `a.b.example.com`, not `example.com` nor
 * `badexample.com`). Case-insensitive; a trailing dot or an empty label never matches.
 */
export function isHostAllowed(hostname: string, allowedHosts: readonly string[]): boolean {
  const host = hostname.toLowerCase()
  if (host === '' || host.endsWith('.') || host.includes('..') || host.startsWith('.')) return false
  return allowedHosts.some((entry) => {
    const allowed = entry.toLowerCase()
    if (allowed.startsWith('*.')) {
      const suffix = allowed.slice(1)
      return host.length > suffix.length && host.endsWith(suffix)
    }
    return host === allowed
  })
}

/**
 * The hosts an app's URLs may use. For an app with `api.dynamic_hosts`, the exact hosts of the
 * partner's https settings (e.g. the OIDC issuer and API base URL) and of any `extraUrls` (the
 * endpoints of the issuer's discovery document) are added.
 */
export function allowedHostsFor(
  app: Pick<App, 'api'>,
  settings: Readonly<Record<string, string | undefined>> = {},
  extraUrls: readonly string[] = [],
): string[] {
  const hosts = [...app.api.allowed_hosts]
  if (!app.api.dynamic_hosts) return hosts
  for (const value of [...Object.values(settings), ...extraUrls]) {
    if (typeof value !== 'string' || !value.startsWith('https://')) continue
    try {
      const url = new URL(value)
      if (url.protocol === 'https:' && !url.username && !url.password && !hosts.includes(url.hostname)) hosts.push(url.hostname)
    } catch {
      // not a URL: not a host
    }
  }
  return hosts
}

/** The connection parameters an option needs: the app's, then the option's own. */
export function connectionParamsFor(app: Pick<App, 'connection_params'>, option: AuthOption): Field[] {
  const own = 'connection_params' in option ? (option.connection_params ?? []) : []
  return [...(app.connection_params ?? []), ...own]
}

export interface ConnectionParamError {
  param: string
  message: string
}

export type ConnectionParamsResult = { ok: true; params: Record<string, string> } | { ok: false; errors: ConnectionParamError[] }

/**
 * Validates what a user typed for an option's connection parameters. Values are trimmed, and a
 * field's `prefix`/`suffix` typed along with the value is dropped (`https://acme.zendesk.com` →
 * `acme`) before the pattern is applied; empty optional fields take their `default`. Unknown
 * parameters, missing required ones and pattern mismatches are reported, one error per parameter.
 */
export function validateConnectionParams(app: Pick<App, 'connection_params'>, option: AuthOption, input: unknown): ConnectionParamsResult {
  const fields = connectionParamsFor(app, option)
  const errors: ConnectionParamError[] = []
  const params: Record<string, string> = {}
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    return { ok: false, errors: [{ param: '', message: 'connection parameters must be an object' }] }
  }
  const given = (input ?? {}) as Record<string, unknown>
  for (const key of Object.keys(given)) {
    if (!fields.some((field) => field.key === key)) errors.push({ param: key, message: `unknown connection parameter "${key}"` })
  }
  for (const field of fields) {
    const raw = Object.hasOwn(given, field.key) ? given[field.key] : undefined
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      errors.push({ param: field.key, message: `${field.label} must be a string` })
      continue
    }
    let value = (raw ?? '').trim()
    if (value === '') {
      if (field.default !== undefined) value = field.default
      else if (field.optional) continue
      else {
        errors.push({ param: field.key, message: `${field.label} is required` })
        continue
      }
    }
    value = stripAffixes(value, field)
    if (field.pattern === undefined) {
      errors.push({ param: field.key, message: `${field.label} cannot be validated (the catalog gives it no pattern)` })
      continue
    }
    if (value.length > 1024 || !fieldRegExp(field.pattern).test(value)) {
      const hint = field.example ? ` (for example: ${field.example})` : ''
      errors.push({ param: field.key, message: `${field.label} is not valid${hint}` })
      continue
    }
    params[field.key] = value
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, params }
}

function stripAffixes(value: string, field: Field): string {
  let out = value
  if (field.prefix && out.toLowerCase().startsWith(field.prefix.toLowerCase())) out = out.slice(field.prefix.length)
  if (field.suffix) {
    const trimmed = out.replace(/\/+$/, '')
    if (trimmed.toLowerCase().endsWith(field.suffix.toLowerCase())) out = trimmed.slice(0, trimmed.length - field.suffix.length)
  }
  return out
}

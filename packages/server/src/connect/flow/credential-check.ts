import type { App, AuthOption, CredentialCheck } from '../../catalog/app-schema.js'
import { escapeJsonString, renderTemplate, renderUrl, TemplateError, type TemplateValues } from '../../catalog/template.js'
import { injectCredentials } from '../../credentials/inject.js'
import type { AddressPolicy } from '../../outbound/address-policy.js'
import { isOutboundRefusal } from '../../outbound/outbound-refusal.js'
import type { SafeHttpClient } from '../../outbound/safe-fetch.js'
import { readDottedPath } from '../../lib/dotted-path.js'

/** The app refused the credentials (or could not be asked): nothing may be stored. */
export class CredentialCheckError extends Error {
  override name = 'CredentialCheckError'
  constructor(
    message: string,
    readonly status?: number,
    /** The outbound rules refused the check's URL: nothing was sent (PB_ERR_OUTBOUND_BLOCKED, docs/errors.md). */
    readonly blocked = false,
  ) {
    super(message)
  }
}

function refused(app: App, err: Error): CredentialCheckError {
  return new CredentialCheckError(
    `${app.name}'s credential check address is not allowed for outbound requests (${err.message})`,
    undefined,
    true,
  )
}

export interface CheckResult {
  accountIdentifier: string | null
  metadata: Record<string, string>
}

export interface CheckInput {
  app: App
  option: AuthOption
  values: TemplateValues
  allowedHosts: readonly string[]
  http: SafeHttpClient
  policy: AddressPolicy
  /** OIDC apps without a declared check ask the userinfo endpoint. */
  userinfoEndpoint?: string
  /** Signs the request instead of injecting (OAuth 1.0a). */
  sign?: (method: string, url: string) => Record<string, string>
}

/** A string or number the app returned, without U+0000 (PostgreSQL text cannot hold it); null when nothing is left. */
function scalar(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null
  const text = String(value).replaceAll('\u0000', '')
  return text === '' ? null : text
}

/**
 * Proves credentials work before anything is saved, by the request the catalog entry names (or the
 * OIDC userinfo endpoint), and reads who they belong to.
 */
export async function checkCredentials(input: CheckInput): Promise<CheckResult> {
  const { app, option, values } = input
  const declared: CredentialCheck | undefined = 'credential_check' in option ? option.credential_check : undefined
  const check: CredentialCheck | undefined =
    declared ?? (input.userinfoEndpoint ? { method: 'GET', url: input.userinfoEndpoint, account_identifier: 'email' } : undefined)
  if (!check) return { accountIdentifier: null, metadata: {} }

  const template = /^https?:\/\/|^\{/.test(check.url)
    ? check.url
    : `${app.api.base_url.replace(/\/+$/, '')}/${check.url.replace(/^\/+/, '')}`
  let url: URL
  try {
    url = renderUrl(template, values, input.allowedHosts, { allowHttp: (host) => input.policy.allowsPlainHttp(host) })
  } catch (err) {
    // A URL the outbound rules refuse (plain http to a host not allowed, a host outside the app's) is not asked.
    if (isOutboundRefusal(err)) throw refused(app, err as Error)
    if (err instanceof TemplateError)
      throw new CredentialCheckError(`${app.name} could not be reached to check the credentials (${err.message})`)
    throw err
  }
  const injection = input.sign ? { headers: {}, query: {} } : injectCredentials(app, option, values)
  for (const [k, v] of Object.entries(injection.query)) url.searchParams.set(k, v)
  const headers: Record<string, string> = { accept: 'application/json', ...injection.headers }
  for (const [name, value] of Object.entries(check.headers ?? {})) headers[name.toLowerCase()] = renderTemplate(value, values)
  if (input.sign) Object.assign(headers, input.sign(check.method, url.toString()))
  const body = check.body ? renderTemplate(check.body, values, { escape: escapeJsonString }) : undefined
  if (body && !headers['content-type']) headers['content-type'] = 'application/json'

  let res: Awaited<ReturnType<SafeHttpClient['request']>>
  try {
    res = await input.http.request(url, {
      method: check.method,
      headers,
      ...(body ? { body } : {}),
      timeoutMs: 10_000,
      maxBytes: 256 * 1024,
    })
  } catch (err) {
    if (isOutboundRefusal(err)) throw refused(app, err as Error)
    throw new CredentialCheckError(`${app.name} could not be reached to check the credentials (${(err as Error).message})`)
  }
  if (res.status < 200 || res.status >= 300) {
    throw new CredentialCheckError(
      res.status === 401 || res.status === 403
        ? `${app.name} did not accept these credentials (HTTP ${res.status})`
        : `${app.name} answered HTTP ${res.status} to the credential check`,
      res.status,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(res.body.toString('utf8'))
  } catch {
    json = undefined
  }
  const accountIdentifier = check.account_identifier ? scalar(readDottedPath(json, check.account_identifier)) : null
  const metadata: Record<string, string> = {}
  for (const [name, path] of Object.entries(check.metadata ?? {})) {
    const value = scalar(readDottedPath(json, path))
    if (value !== null) metadata[name] = value
  }
  return { accountIdentifier, metadata }
}

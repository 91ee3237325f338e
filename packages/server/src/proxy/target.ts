import type { App, AuthOption } from '../catalog/app-schema.js'
import type { Catalog } from '../catalog/load-catalog.js'
import { allowedHostsFor, connectionParamsFor, renderUrl, TemplateError } from '../catalog/template.js'
import type { Connection, Credentials } from '../connections/connection-types.js'
import { credentialValues, injectCredentials } from '../credentials/inject.js'
import { PatchbayError } from '../errors.js'
import { type AddressPolicy, OutboundBlockedError } from '../outbound/address-policy.js'
import type { PartnerApps } from '../partners/partner-apps.js'
import type { OAuth1SignatureMethod } from '../provider-oauth/oauth1/sign.js'

export interface TargetDeps {
  catalog: Catalog
  partnerApps: PartnerApps
  addressPolicy: AddressPolicy
}

/** Where an API base URL points: its origin, path and own query. */
export interface ApiBase {
  /** `https://api.example.com` (no trailing slash). */
  origin: string
  /** The base URL's path without its trailing slash (`''` for the root). */
  basePath: string
  /** The base URL's own query, without `?`. */
  baseQuery: string
}

/** Everything needed to call the app for one version of one connection; cached per process. */
export interface Target {
  connectionId: string
  /** The connection's app (a catalog key). */
  appKey: string
  partnerId: string
  endUserId: string
  version: number
  expiresAt: number | null
  cachedAt: number
  /** When the connection's status and version were last read from the database. */
  checkedAt: number
  /** `https://api.example.com` (no trailing slash). */
  origin: string
  /** The base URL's path without its trailing slash (`''` for the root). */
  basePath: string
  /** The base URL's own query, without `?`. */
  baseQuery: string
  /** The app's other API base URLs (`api.base_urls`), by name. */
  bases: Record<string, ApiBase>
  /** Injected credential headers and the app's `api.headers`, lower-cased names. */
  headers: Record<string, string>
  /** Names of the headers in `headers` that carry credentials (not the app's own `api.headers`). */
  credentialHeaders: string[]
  /** Injected credential query parameters. */
  query: Array<[string, string]>
  /** Credential values that must never be passed back in a response header. */
  secrets: string[]
  oauth1:
    { consumer: { key: string; secret: string }; token: string; tokenSecret: string; signatureMethod: OAuth1SignatureMethod } | undefined
  /** The access token in use, for a refresh after a 401. */
  accessToken: string | undefined
  /** An OAuth2 connection that can get a new access token. */
  refreshable: boolean
}

/** Credential fields that are secret whatever the option says. */
const SECRET_CREDENTIALS = new Set(['access_token', 'refresh_token', 'id_token', 'client_secret', 'oauth_token', 'oauth_token_secret'])

/**
 * Prepares the call to the app for one version of one connection: the base URL rendered and checked
 * against the address policy, the credentials injected (or the OAuth 1.0a signing material), and the
 * secrets a response must never echo.
 */
export async function buildTarget(deps: TargetDeps, connection: Connection, credentials: Credentials): Promise<Target> {
  const app = deps.catalog.get(connection.appKey)
  const option = app?.auth.find((o) => o.key === connection.authOption)
  if (!app || !option) throw new PatchbayError('PB_ERR_UPSTREAM', `app ${connection.appKey} is no longer available on this server`)
  const partnerApp = await deps.partnerApps.get(connection.partnerId, app.key)
  const settings = partnerApp?.settings ?? {}
  const values = { params: connection.params, metadata: connection.metadata, settings, credentials: credentialValues(credentials) }
  const policy = deps.addressPolicy
  const render = (template: string, name: string): ApiBase => {
    try {
      const url = renderUrl(template, values, allowedHostsFor(app, settings), {
        allowHttp: (host) => policy.allowsPlainHttp(host),
        fields: { params: connectionParamsFor(app, option), settings: app.settings ?? [] },
      })
      policy.checkUrl(url)
      return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), baseQuery: url.search.slice(1) }
    } catch (err) {
      if (err instanceof TemplateError || err instanceof OutboundBlockedError) {
        throw new PatchbayError('PB_ERR_OUTBOUND_BLOCKED', `the API ${name} of ${app.name} cannot be used: ${err.message}`)
      }
      throw err
    }
  }
  const base = render(app.api.base_url, 'base URL')
  const bases: Record<string, ApiBase> = {}
  for (const [name, template] of Object.entries(app.api.base_urls ?? {})) bases[name] = render(template, `base URL "${name}"`)
  let injection: ReturnType<typeof injectCredentials>
  try {
    injection = injectCredentials(app, option, values)
  } catch (err) {
    if (err instanceof TemplateError)
      throw new PatchbayError(
        'PB_ERR_UPSTREAM',
        `the credentials of connection ${connection.id} cannot be sent to ${app.name}: ${err.message}`,
      )
    throw err
  }
  let oauth1: Target['oauth1']
  if (option.type === 'oauth1') {
    if (!partnerApp?.clientId || !partnerApp.clientSecret)
      throw new PatchbayError('PB_ERR_UPSTREAM', `${app.name} has no OAuth client configured`)
    oauth1 = {
      consumer: { key: partnerApp.clientId, secret: partnerApp.clientSecret },
      token: String(credentials.oauth_token ?? ''),
      tokenSecret: String(credentials.oauth_token_secret ?? ''),
      signatureMethod: option.signature_method,
    }
  }
  const accessToken = typeof credentials.access_token === 'string' ? credentials.access_token : undefined
  return {
    connectionId: connection.id,
    appKey: connection.appKey,
    partnerId: connection.partnerId,
    endUserId: connection.endUserId,
    version: connection.version,
    expiresAt: connection.expiresAt,
    cachedAt: Date.now(),
    checkedAt: Date.now(),
    ...base,
    bases,
    headers: injection.headers,
    credentialHeaders: Object.keys(injection.headers).filter(
      (name) => !Object.keys(app.api.headers ?? {}).some((h) => h.toLowerCase() === name.toLowerCase()),
    ),
    query: Object.entries(injection.query),
    secrets: secretsOf(app, option, credentials, injection.headers),
    oauth1,
    accessToken,
    refreshable:
      connection.authType === 'oauth2_client_credentials' ||
      (connection.authType === 'oauth2' && typeof credentials.refresh_token === 'string' && credentials.refresh_token !== ''),
  }
}

/** The app's host, for messages (never the URL: it may carry credentials). */
export function hostOf(target: Target): string {
  return target.origin.replace(/^https?:\/\//, '')
}

/** The values a response header must never carry: the connection's secrets as sent. */
function secretsOf(app: App, option: AuthOption, credentials: Credentials, injected: Record<string, string>): string[] {
  const secretFields = new Set(SECRET_CREDENTIALS)
  if ('credential_fields' in option) for (const field of option.credential_fields) if (field.secret) secretFields.add(field.key)
  const out = new Set<string>()
  const add = (value: string) => {
    // Short values would match innocent headers; real secrets are longer.
    if (value.length < 8) return
    out.add(value)
    const encoded = encodeURIComponent(value)
    if (encoded !== value) out.add(encoded)
  }
  for (const [key, value] of Object.entries(credentials)) if (secretFields.has(key) && typeof value === 'string') add(value)
  const appHeaders = new Set(Object.keys(app.api.headers ?? {}).map((name) => name.toLowerCase()))
  for (const [name, value] of Object.entries(injected)) if (!appHeaders.has(name)) add(value.replace(/^(Bearer|Basic|Token)\s+/i, ''))
  return [...out]
}

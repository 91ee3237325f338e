import { type AuditActor, type AuditLog, recordGrant } from '../audit/audit-log.js'
import type { Kysely } from 'kysely'
import type { ApiKeyOption, App, AuthOption, BasicOption, Field, OAuth2ClientCredentialsOption } from '../catalog/app-schema.js'
import type { Catalog } from '../catalog/load-catalog.js'
import {
  allowedHostsFor,
  fieldRegExp,
  renderTemplate,
  renderUrl,
  TemplateError,
  type TemplateValues,
  validateConnectionParams,
} from '../catalog/template.js'
import { needsNoConnection, usableOptions } from '../catalog/usable-options.js'
import { CredentialCheckError, checkCredentials } from '../connect/flow/credential-check.js'
import type { Database } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import { buildTokenRequest, ProviderTokenError, requestTokens } from '../provider-oauth/oauth2/token-endpoint.js'
import type { AddressPolicy } from '../outbound/address-policy.js'
import { isOutboundRefusal } from '../outbound/outbound-refusal.js'
import { OutboundResponseTooLargeError, type SafeHttpClient } from '../outbound/safe-fetch.js'
import type { PartnerApp, PartnerApps } from '../partners/partner-apps.js'
import type { CredentialAttempts } from '../rate-limit/credential-attempts.js'
import { enqueueGrantEvents } from '../webhooks/connection-events.js'
import type { ConnectionStore } from '../connections/connection-store.js'
import type { Connection, ConnectionGrant, Credentials, Owner } from '../connections/connection-types.js'
import { credentialValues } from './inject.js'

/**
 * Connections made from credentials the user (or the partner's backend) supplies: API keys, basic
 * credentials, OAuth 2.0 client credentials. The Connect UI form and `POST /v1/connections` both go
 * through {@link validateCredentialInput} and {@link grantFromCredentials}, so a value refused by
 * one is refused by the other, and nothing is stored before the app accepted the credentials.
 */

/** Auth options whose credentials are typed in rather than obtained by a browser redirect. */
export type CredentialOption = ApiKeyOption | BasicOption | OAuth2ClientCredentialsOption

export function isCredentialOption(option: AuthOption): option is CredentialOption {
  return option.type === 'api_key' || option.type === 'basic' || option.type === 'oauth2_client_credentials'
}

/** The credential fields an option asks for (none for redirect-based options). */
export function credentialFields(option: AuthOption): Field[] {
  return 'credential_fields' in option ? option.credential_fields : []
}

export interface CredentialInputError {
  /** Which part of the input is wrong: a connection parameter or a credential field. */
  in: 'params' | 'credentials'
  /** The field key; empty when the whole part is wrong (not an object). */
  key: string
  message: string
}

export type CredentialInputResult =
  { ok: true; params: Record<string, string>; credentials: Credentials } | { ok: false; errors: CredentialInputError[] }

/**
 * Validates connection parameters (by their patterns, see validateConnectionParams) and credential
 * fields (required unless optional, trimmed, at most 4096 characters, matching the field's pattern).
 * Credential keys the option does not declare are refused: callers that hold other values (a form
 * with its own fields) pass only the option's.
 */
export function validateCredentialInput(
  app: App,
  option: AuthOption,
  input: { params?: unknown; credentials?: Readonly<Record<string, unknown>> },
): CredentialInputResult {
  const errors: CredentialInputError[] = []
  const params = validateConnectionParams(app, option, input.params ?? {})
  if (!params.ok) errors.push(...params.errors.map((e) => ({ in: 'params' as const, key: e.param, message: e.message })))

  const fields = credentialFields(option)
  const given = input.credentials ?? {}
  for (const key of Object.keys(given)) {
    if (!fields.some((f) => f.key === key)) errors.push({ in: 'credentials', key, message: `unknown credential "${key}"` })
  }
  const credentials: Credentials = {}
  for (const field of fields) {
    const raw = Object.hasOwn(given, field.key) ? given[field.key] : undefined
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      errors.push({ in: 'credentials', key: field.key, message: `${field.label} must be a string` })
      continue
    }
    const value = (raw ?? '').trim()
    if (value === '') {
      if (!field.optional) errors.push({ in: 'credentials', key: field.key, message: `${field.label} is required` })
      continue
    }
    if (value.length > 4096 || (field.pattern && !fieldRegExp(field.pattern).test(value))) {
      errors.push({ in: 'credentials', key: field.key, message: `${field.label} is not in the expected format` })
      continue
    }
    credentials[field.key] = value
  }
  if (errors.length || !params.ok) return { ok: false, errors }
  return { ok: true, params: params.params, credentials }
}

export interface GrantDeps {
  http: SafeHttpClient
  addressPolicy: AddressPolicy
}

export interface CredentialGrantInput {
  app: App
  option: CredentialOption
  /** Validated by {@link validateCredentialInput}. */
  params: Record<string, string>
  credentials: Credentials
  partnerApp?: PartnerApp | undefined
  name?: string | null | undefined
}

/**
 * Proves the credentials with the app before anything is stored and returns what to store:
 * API-key and basic credentials by the option's credential check; client credentials by getting an
 * access token from the token endpoint, then the check with it. Throws {@link CredentialCheckError}
 * or {@link ProviderTokenError} when the app refuses them.
 */
export async function grantFromCredentials(deps: GrantDeps, input: CredentialGrantInput): Promise<ConnectionGrant> {
  const { app, option, params, credentials } = input
  const named = input.name ? { name: input.name } : {}
  if (option.type === 'oauth2_client_credentials')
    return { ...(await clientCredentialsGrant(deps, app, option, params, credentials)), ...named }
  const values: TemplateValues = { params, credentials: credentialValues(credentials), metadata: {} }
  const checked = await checkCredentials({
    app,
    option,
    values,
    allowedHosts: allowedHostsFor(app, input.partnerApp?.settings ?? {}),
    http: deps.http,
    policy: deps.addressPolicy,
  })
  return {
    appKey: app.key,
    authOption: option.key,
    authType: option.type,
    accountIdentifier: checked.accountIdentifier,
    scopes: [],
    params,
    metadata: checked.metadata,
    credentials,
    expiresAt: null,
    ...named,
  }
}

async function clientCredentialsGrant(
  deps: GrantDeps,
  app: App,
  option: OAuth2ClientCredentialsOption,
  params: Record<string, string>,
  typed: Credentials,
): Promise<ConnectionGrant> {
  const values: TemplateValues = { params, credentials: credentialValues(typed), metadata: {} }
  const allowHttp = (host: string) => deps.addressPolicy.allowsPlainHttp(host)
  const tokenUrl = renderUrl(option.token_url, values, allowedHostsFor(app), { allowHttp })
  const tokenParams: Record<string, string> = {}
  for (const [k, v] of Object.entries(option.token_params ?? {})) tokenParams[k] = renderTemplate(v, values)
  // The option may name its own grant type (Zoom: account_credentials).
  const extra: Record<string, string> = { grant_type: tokenParams.grant_type ?? 'client_credentials' }
  if (option.scopes.length) extra.scope = option.scopes.join(option.scope_separator)
  const request = buildTokenRequest(
    { ...option, token_params: tokenParams },
    tokenUrl.toString(),
    { clientId: String(typed.client_id ?? ''), clientSecret: String(typed.client_secret ?? '') },
    extra,
  )
  const tokens = await requestTokens(deps.http, { ...option, scope_separator: option.scope_separator }, request)
  const credentials: Credentials = { ...typed, access_token: tokens.accessToken, token_type: tokens.tokenType }
  const checked = await checkCredentials({
    app,
    option,
    values: { params, credentials: credentialValues(credentials), metadata: tokens.metadata },
    allowedHosts: allowedHostsFor(app),
    http: deps.http,
    policy: deps.addressPolicy,
  })
  return {
    appKey: app.key,
    authOption: option.key,
    authType: option.type,
    accountIdentifier: checked.accountIdentifier,
    scopes: tokens.scopes ?? option.scopes,
    params,
    metadata: { ...tokens.metadata, ...checked.metadata },
    credentials,
    expiresAt: tokens.expiresAt,
  }
}

// ---- the REST API's entry point -------------------------------------------------------------

export interface CreateFromCredentialsRequest {
  app: string
  authOption?: string | undefined
  name?: string | null | undefined
  params?: Record<string, unknown> | undefined
  credentials: Record<string, unknown>
  /** Keep the owner's other connections of the app (default: the new one replaces them). */
  allowMultiple?: boolean | undefined
}

export interface CredentialConnectionsDeps extends GrantDeps {
  db: Kysely<Database>
  catalog: Catalog
  partnerApps: PartnerApps
  connections: ConnectionStore
  credentialAttempts: CredentialAttempts
  audit: AuditLog
}

/** Provider answers that mean "these credentials are wrong" rather than "the app is down". */
const REFUSING_TOKEN_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_grant', 'invalid_scope', 'access_denied'])

/** `POST /v1/connections`: a connection straight from supplied credentials, checked with the app first. */
export class CredentialConnections {
  constructor(private readonly deps: CredentialConnectionsDeps) {}

  /**
   * Validates like the Connect UI form, checks the credentials with the app, then stores the
   * connection and its `connection.created` event in one transaction — or, when the owner has a
   * connection of the app for the same account, re-authorizes that one (same id,
   * `connection.reauthorized`; docs/api.md, "Connecting again"). Errors are PatchbayErrors
   * naming the input path: PB_ERR_NOT_FOUND (no such app), PB_ERR_VALIDATION (bad input),
   * PB_ERR_CREDENTIALS_REJECTED (the app refused), PB_ERR_UPSTREAM (the app could not be asked),
   * PB_ERR_OUTBOUND_BLOCKED (the outbound rules refused the app's address; nothing was sent).
   */
  async create(
    owner: Owner,
    request: CreateFromCredentialsRequest,
    actor: AuditActor,
  ): Promise<{ connection: Connection; operation: 'creation' | 'reauth' }> {
    const { app, option } = await this.resolveOption(owner, request)
    const input = validateCredentialInput(app, option, { params: request.params ?? {}, credentials: request.credentials })
    if (!input.ok) {
      const where = (e: CredentialInputError) => `body.${e.in}${e.key ? `.${e.key}` : ''}`
      throw new PatchbayError('PB_ERR_VALIDATION', input.errors.map((e) => `${where(e)}: ${e.message}`).join('; '))
    }
    // Counted per end user before the app is asked, so this is no key oracle (docs/operations.md,
    // "Rate limits"). Not per IP: one partner backend calls for all its users.
    const attempt = await this.deps.credentialAttempts.take(`user:${owner.partnerId}:${owner.endUserId}`)
    if (!attempt.allowed) {
      const retry = String(attempt.retryAfterSeconds)
      throw new PatchbayError('PB_ERR_RATE_LIMITED', `too many credential checks for this user, retry in ${retry} seconds`, {
        headers: { 'Retry-After': retry },
      })
    }
    const partnerApp = await this.deps.partnerApps.get(owner.partnerId, app.key)
    let grant: ConnectionGrant
    try {
      grant = await grantFromCredentials(this.deps, {
        app,
        option,
        params: input.params,
        credentials: input.credentials,
        partnerApp,
        name: request.name,
      })
    } catch (err) {
      throw this.checkFailure(app, err)
    }
    return this.deps.db.transaction().execute(async (trx) => {
      const stored = await this.deps.connections.connect(trx, owner, grant, { allowMultiple: request.allowMultiple === true })
      await enqueueGrantEvents(trx, stored)
      await recordGrant(this.deps.audit, trx, stored, actor)
      return stored
    })
  }

  private async resolveOption(owner: Owner, request: CreateFromCredentialsRequest): Promise<{ app: App; option: CredentialOption }> {
    const app = this.deps.catalog.get(request.app)
    if (!app) throw new PatchbayError('PB_ERR_NOT_FOUND', `body.app: no app "${request.app}"`)
    if (needsNoConnection(app)) throw new PatchbayError('PB_ERR_VALIDATION', `body.app: ${app.name} is used without a connection`)
    const usable = usableOptions(app, await this.deps.partnerApps.configuredKeys(owner.partnerId))
    const typed = usable.filter(isCredentialOption)
    if (request.authOption !== undefined) {
      const option = app.auth.find((o) => o.key === request.authOption)
      if (!option) {
        throw new PatchbayError(
          'PB_ERR_VALIDATION',
          `body.auth_option: ${app.name} has no auth option "${request.authOption}" (it has ${app.auth.map((o) => `"${o.key}"`).join(', ')})`,
        )
      }
      if (!isCredentialOption(option)) {
        throw new PatchbayError(
          'PB_ERR_VALIDATION',
          `body.auth_option: "${option.key}" is an ${option.type} option; connect it through the Connect UI (POST /v1/connect/sessions)`,
        )
      }
      return { app, option }
    }
    if (typed.length === 1) return { app, option: typed[0] as CredentialOption }
    if (typed.length === 0) {
      throw new PatchbayError(
        'PB_ERR_VALIDATION',
        `body.app: ${app.name} connects through the Connect UI only (POST /v1/connect/sessions); it takes no credentials here`,
      )
    }
    throw new PatchbayError(
      'PB_ERR_VALIDATION',
      `body.auth_option is required: ${app.name} takes credentials in several ways (${typed.map((o) => `"${o.key}"`).join(', ')})`,
    )
  }

  private checkFailure(app: App, err: unknown): unknown {
    // One cause, one code: the proxy answers an address the outbound rules refuse the same way (docs/errors.md).
    if (err instanceof CredentialCheckError && err.blocked) return new PatchbayError('PB_ERR_OUTBOUND_BLOCKED', err.message, { cause: err })
    if (isOutboundRefusal(err)) {
      return new PatchbayError(
        'PB_ERR_OUTBOUND_BLOCKED',
        `${app.name}'s address is not allowed for outbound requests (${(err as Error).message})`,
        {
          cause: err,
        },
      )
    }
    if (err instanceof CredentialCheckError) {
      // The app answered, and not with a server error: it refused the credentials.
      if (err.status !== undefined && err.status < 500) return new PatchbayError('PB_ERR_CREDENTIALS_REJECTED', err.message, { cause: err })
      return new PatchbayError('PB_ERR_UPSTREAM', err.message, { cause: err })
    }
    if (err instanceof ProviderTokenError) {
      const refused = REFUSING_TOKEN_ERRORS.has(err.error) || err.status === 400 || err.status === 401 || err.status === 403
      const message = `${app.name} ${refused ? 'did not accept these client credentials' : 'could not issue a token'} (${err.message})`
      return new PatchbayError(refused ? 'PB_ERR_CREDENTIALS_REJECTED' : 'PB_ERR_UPSTREAM', message, { cause: err })
    }
    if (err instanceof TemplateError) {
      return new PatchbayError('PB_ERR_VALIDATION', `body.params: ${app.name}'s URL cannot be built from these values (${err.message})`, {
        cause: err,
      })
    }
    if (isUnreachable(err)) {
      return new PatchbayError('PB_ERR_UPSTREAM', `${app.name} could not be reached to check the credentials (${(err as Error).message})`, {
        cause: err,
      })
    }
    return err
  }
}

/** Network-level failures of an outbound request (refused address, timeout, connection error, oversized answer). */
function isUnreachable(err: unknown): boolean {
  if (err instanceof OutboundResponseTooLargeError) return true
  if (!(err instanceof Error)) return false
  const code = (err as Error & { code?: unknown }).code
  return err.name === 'TimeoutError' || err.name === 'AbortError' || (typeof code === 'string' && /^(UND_ERR|E[A-Z]+$)/.test(code))
}

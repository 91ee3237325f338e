import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { App, AuthOption, Field } from './app-schema.js'
import {
  isHostAllowed,
  isTemplateNamespace,
  parsePlaceholders,
  TemplateError,
  templateNamespaces,
  urlPlaceholderPositions,
} from './template.js'

// The rules of a catalog entry a JSON Schema cannot express (docs/catalog.md): placeholders name
// what exists where they are used, URL hosts stay under api.allowed_hosts, reserved OAuth
// parameters are Patchbay's, field patterns are anchored.

/** How `validateApp` is asked to check an entry. */
export interface ValidateAppOptions {
  /**
   * Operator-declared apps may use plain `http://` URLs (a service on the operator's own network).
   * They are validated as if they were https; at run time http is only ever used towards private
   * ranges the operator allowed explicitly (outbound.allowPrivateRanges).
   */
  allowPlainHttp?: boolean
  /**
   * The folder the entry was read from. Enables the checks that only make sense for a catalog
   * folder: the folder is named after the key, and the logo file exists.
   */
  dir?: string
}

type Add = (path: string, message: string) => void

/** Which values a template may use where it is rendered. */
interface Scope {
  params: ReadonlySet<string>
  credentials: ReadonlySet<string>
  metadata: ReadonlySet<string>
  settings: ReadonlySet<string>
}

const RESERVED_AUTHORIZE_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method']
const RESERVED_TOKEN_PARAMS = ['code', 'code_verifier', 'client_secret', 'refresh_token', 'redirect_uri']

function credentialNames(option: AuthOption): string[] {
  switch (option.type) {
    case 'oauth2':
      return ['access_token', 'refresh_token', 'id_token', 'token_type']
    case 'oauth2_client_credentials':
      return ['access_token', 'token_type', ...option.credential_fields.map((f) => f.key)]
    case 'oauth1':
      return ['oauth_token', 'oauth_token_secret']
    case 'api_key':
    case 'basic':
      return option.credential_fields.map((f) => f.key)
    case 'none':
      return []
  }
}

/** Metadata an option produces: from the token response, then from the credential check. */
function metadataNames(option: AuthOption, includeCheck: boolean): string[] {
  const names: string[] = []
  if (option.type === 'oauth2' || option.type === 'oauth2_client_credentials')
    names.push(...Object.keys(option.token_response.metadata ?? {}))
  if (includeCheck && option.type !== 'none') names.push(...Object.keys(option.credential_check?.metadata ?? {}))
  return names
}

function paramKeys(app: App, option: AuthOption): string[] {
  const own = option.type === 'none' ? [] : (option.connection_params ?? [])
  return [...app.connection_params, ...own].map((f) => f.key)
}

export function checkSemantics(app: App, add: Add, options: ValidateAppOptions): void {
  if (options.dir !== undefined) {
    const folder = options.dir
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop()
    if (folder !== app.key) add('/key', `must equal the folder name "${folder}"`)
    const logo = join(options.dir, app.logo)
    if (!existsSync(logo) || !statSync(logo).isFile()) add('/logo', `file "${app.logo}" does not exist beside app.yaml`)
  }

  if (app.api.allowed_hosts.length === 0 && !app.api.dynamic_hosts) {
    add('/api/allowed_hosts', 'must list at least one host (or set api.dynamic_hosts for hosts that come from partner settings)')
  }

  const settings = app.settings ?? []
  checkFields(app.connection_params, '/connection_params', add, { patternRequired: true })
  checkFields(settings, '/settings', add, { patternRequired: true })

  const keys = new Set<string>()
  app.auth.forEach((option, index) => {
    if (keys.has(option.key)) add(`/auth/${index}/key`, `duplicate auth option key "${option.key}"`)
    keys.add(option.key)
  })

  const withAuth = app.auth.filter((o) => o.type !== 'none')
  const inEvery = (names: (o: AuthOption) => string[]) =>
    withAuth.length === 0 ? [] : withAuth.map(names).reduce((a, b) => a.filter((n) => b.includes(n)))
  const settingKeys = new Set(settings.map((f) => f.key))
  const appScope: Scope = {
    params: new Set([...app.connection_params.map((f) => f.key), ...inEvery((o) => paramKeys(app, o))]),
    credentials: new Set(),
    metadata: new Set(inEvery((o) => metadataNames(o, true))),
    settings: settingKeys,
  }
  checkUrlTemplate(app, app.api.base_url, '/api/base_url', appScope, add)
  for (const [name, url] of Object.entries(app.api.base_urls ?? {})) checkUrlTemplate(app, url, `/api/base_urls/${name}`, appScope, add)
  checkTextTemplates(app.api.headers, '/api/headers', appScope, add)

  for (const [index, option] of app.auth.entries()) checkOption(app, option, `/auth/${index}`, settingKeys, add)
}

function checkOption(app: App, option: AuthOption, base: string, settingKeys: Set<string>, add: Add): void {
  if (option.type === 'none') return
  const own = option.connection_params ?? []
  checkFields(own, `${base}/connection_params`, add, { patternRequired: true })
  own.forEach((field, i) => {
    if (app.connection_params.some((f) => f.key === field.key)) {
      add(`${base}/connection_params/${i}/key`, `"${field.key}" is already an app-level connection parameter`)
    }
  })
  if ('credential_fields' in option) checkFields(option.credential_fields, `${base}/credential_fields`, add, { patternRequired: false })

  const params = new Set(paramKeys(app, option))
  const credentials = new Set(credentialNames(option))
  const none = new Set<string>()
  const authorize: Scope = { params, credentials: none, metadata: none, settings: settingKeys }
  const token: Scope = {
    params,
    credentials: option.type === 'oauth2_client_credentials' ? credentials : none,
    metadata: none,
    settings: settingKeys,
  }
  const check: Scope = { params, credentials, metadata: new Set(metadataNames(option, false)), settings: settingKeys }
  const request: Scope = { params, credentials, metadata: new Set(metadataNames(option, true)), settings: settingKeys }

  switch (option.type) {
    case 'oauth2': {
      if (!option.discovery) {
        if (!option.authorization_url) add(`${base}/authorization_url`, 'is required unless discovery is true')
        if (!option.token_url) add(`${base}/token_url`, 'is required unless discovery is true')
      } else if (!option.issuer && !settingKeys.has('issuer')) {
        add(`${base}/issuer`, 'a discovery option needs an issuer, here or as an app setting named "issuer"')
      }
      if (option.issuer) checkUrlTemplate(app, option.issuer, `${base}/issuer`, authorize, add)
      if (option.authorization_url) checkUrlTemplate(app, option.authorization_url, `${base}/authorization_url`, authorize, add)
      if (option.token_url) checkUrlTemplate(app, option.token_url, `${base}/token_url`, token, add)
      if (option.revocation_url) checkUrlTemplate(app, option.revocation_url, `${base}/revocation_url`, token, add)
      if (option.scope_separator === '') add(`${base}/scope_separator`, 'must not be empty')
      const reserved = [...RESERVED_AUTHORIZE_PARAMS, option.scope_param]
      checkReserved(option.authorization_params, `${base}/authorization_params`, reserved, add)
      checkTextTemplates(option.authorization_params, `${base}/authorization_params`, authorize, add)
      checkReserved(option.token_params, `${base}/token_params`, [...RESERVED_TOKEN_PARAMS, 'grant_type'], add)
      checkTextTemplates(option.token_params, `${base}/token_params`, token, add)
      checkTextTemplates(option.token_headers, `${base}/token_headers`, token, add)
      break
    }
    case 'oauth2_client_credentials': {
      for (const required of ['client_id', 'client_secret']) {
        if (!option.credential_fields.some((f) => f.key === required)) {
          add(`${base}/credential_fields`, `must include a "${required}" field (it authenticates the token request)`)
        }
      }
      const secret = option.credential_fields.find((f) => f.key === 'client_secret')
      if (secret && !secret.secret) add(`${base}/credential_fields`, 'the "client_secret" field must be secret')
      checkUrlTemplate(app, option.token_url, `${base}/token_url`, token, add)
      checkReserved(option.token_params, `${base}/token_params`, RESERVED_TOKEN_PARAMS, add)
      checkTextTemplates(option.token_params, `${base}/token_params`, token, add)
      checkTextTemplates(option.token_headers, `${base}/token_headers`, token, add)
      break
    }
    case 'oauth1': {
      checkUrlTemplate(app, option.request_token_url, `${base}/request_token_url`, authorize, add)
      checkUrlTemplate(app, option.authorization_url, `${base}/authorization_url`, authorize, add)
      checkUrlTemplate(app, option.access_token_url, `${base}/access_token_url`, authorize, add)
      checkReserved(option.authorization_params, `${base}/authorization_params`, ['oauth_token', 'oauth_callback'], add)
      checkTextTemplates(option.authorization_params, `${base}/authorization_params`, authorize, add)
      break
    }
    case 'basic':
      checkTextTemplate(option.username, `${base}/username`, request, add)
      checkTextTemplate(option.password, `${base}/password`, request, add)
      break
    case 'api_key':
      break
  }

  if (option.credential_check) {
    const c = option.credential_check
    checkUrlTemplate(app, c.url, `${base}/credential_check/url`, check, add)
    checkTextTemplates(c.headers, `${base}/credential_check/headers`, check, add)
    if (c.body !== undefined) checkTextTemplate(c.body, `${base}/credential_check/body`, check, add)
  }
  if (option.inject) {
    checkTextTemplates(option.inject.headers, `${base}/inject/headers`, request, add)
    checkTextTemplates(option.inject.query, `${base}/inject/query`, request, add)
  }
}

function checkFields(fields: readonly Field[], base: string, add: Add, rules: { patternRequired: boolean }): void {
  const seen = new Set<string>()
  fields.forEach((field, i) => {
    const path = `${base}/${i}`
    if (seen.has(field.key)) add(`${path}/key`, `duplicate field key "${field.key}"`)
    seen.add(field.key)
    if (field.pattern === undefined) {
      if (rules.patternRequired) add(`${path}/pattern`, 'is required: the value is templated into URLs')
      return
    }
    let regexp: RegExp
    try {
      regexp = new RegExp(field.pattern)
    } catch (error) {
      add(`${path}/pattern`, `does not compile: ${(error as Error).message}`)
      return
    }
    if (!field.pattern.startsWith('^') || !field.pattern.endsWith('$') || field.pattern.endsWith('\\$')) {
      add(`${path}/pattern`, 'must be anchored: start with ^ and end with $')
      return
    }
    if (field.default !== undefined && !regexp.test(field.default)) add(`${path}/default`, 'does not match the pattern')
    if (rules.patternRequired && field.example !== undefined && !regexp.test(field.example))
      add(`${path}/example`, 'does not match the pattern')
  })
}

function checkReserved(map: Record<string, string> | undefined, base: string, reserved: readonly string[], add: Add): void {
  for (const key of Object.keys(map ?? {})) {
    if (reserved.includes(key)) add(`${base}/${key}`, `"${key}" is set by Patchbay and cannot be overridden`)
  }
}

function checkTextTemplates(map: Record<string, string> | undefined, base: string, scope: Scope, add: Add): void {
  for (const [key, template] of Object.entries(map ?? {})) checkTextTemplate(template, `${base}/${key}`, scope, add)
}

function checkTextTemplate(template: string, path: string, scope: Scope, add: Add): void {
  for (const placeholder of parsePlaceholders(template)) {
    const { namespace, name, ref } = placeholder
    if (!isTemplateNamespace(namespace)) {
      add(path, `unknown placeholder {${ref}}: the namespace must be one of ${templateNamespaces.join(', ')}`)
      continue
    }
    if (scope[namespace].has(name)) continue
    const why: Record<typeof namespace, string> = {
      params: 'is not a declared connection parameter',
      credentials: 'is not a credential available here',
      metadata: 'is not metadata this option produces before this point',
      settings: 'is not a declared app setting',
    }
    add(path, `{${ref}} ${why[namespace]}`)
  }
}

/** Checks a URL template's placeholders and, when its host is known, that the host is allowed. */
function checkUrlTemplate(app: App, template: string, path: string, scope: Scope, add: Add): void {
  checkTextTemplate(template, path, scope, add)
  const relative = !template.startsWith('https://') && !template.startsWith('{')
  if (relative) {
    // A credential check path, relative to api.base_url.
    if (!template.startsWith('/') || template.startsWith('//')) add(path, 'must be an https URL or a path starting with a single "/"')
  } else if (!template.startsWith('https://') && !/^\{(metadata|settings)\./.test(template)) {
    add(path, 'only a metadata or settings placeholder may supply a whole URL')
    return
  }
  const absolute = relative ? `https://relative.invalid${template}` : template
  let positions: ReturnType<typeof urlPlaceholderPositions>
  try {
    positions = urlPlaceholderPositions(absolute)
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error
    add(path, error.message)
    return
  }
  if (relative || positions.some((p) => p.position === 'origin')) return // the host is checked when rendered
  let sample = ''
  let last = 0
  for (const { placeholder } of positions) {
    sample += absolute.slice(last, placeholder.start) + 'x'
    last = placeholder.end
  }
  sample += absolute.slice(last)
  let url: URL
  try {
    url = new URL(sample)
  } catch {
    add(path, 'is not a valid URL')
    return
  }
  if (url.username || url.password) add(path, 'must not contain credentials')
  if (!isHostAllowed(url.hostname, app.api.allowed_hosts)) add(path, `host "${url.hostname}" is not under api.allowed_hosts`)
}

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { App, Field, OAuth2Option } from '../../src/catalog/app-schema.js'
import { CatalogError, type CatalogIssue } from '../../src/catalog/catalog-error.js'
import { defaultCatalogDir, loadCatalog } from '../../src/catalog/load-catalog.js'
import { validateApp } from '../../src/catalog/validate-app.js'
import { allowedHostsFor, connectionParamsFor, TemplateError } from '../../src/catalog/template.js'
import { buildAuthorizationUrl } from '../../src/provider-oauth/oauth2/authorization-url.js'

const catalog = loadCatalog()

/** A small valid app, as it would be written in YAML (no defaults applied). */
function rawApp(): Record<string, unknown> {
  return {
    key: 'acme',
    name: 'Acme',
    description: 'A test app.',
    categories: ['testing'],
    docs_url: 'https://docs.acme.example/oauth',
    api: { base_url: 'https://{params.subdomain}.acme.example/api', allowed_hosts: ['*.acme.example', 'login.acme.example'] },
    connection_params: [{ key: 'subdomain', label: 'Subdomain', pattern: '^[a-z0-9-]{1,63}$', example: 'team' }],
    auth: [
      {
        key: 'oauth2',
        type: 'oauth2',
        authorization_url: 'https://login.acme.example/authorize',
        token_url: 'https://login.acme.example/token',
        scopes: ['read'],
        credential_check: { url: '/me', account_identifier: 'email' },
        inject: { headers: { Authorization: 'Bearer {credentials.access_token}' } },
      },
    ],
  }
}

type Raw = Record<string, unknown>
const option0 = (raw: Raw) => (raw.auth as Raw[])[0] as Raw
const param0 = (raw: Raw) => (raw.connection_params as Raw[])[0] as Raw

function issuesOf(raw: unknown, dir?: string): CatalogIssue[] {
  try {
    validateApp(raw, 'inline.yaml', dir === undefined ? {} : { dir })
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError)
    expect((error as CatalogError).code).toBe('PB_CATALOG_INVALID')
    return [...(error as CatalogError).issues]
  }
  return []
}

function expectIssue(raw: unknown, path: string, message: RegExp, dir?: string): void {
  const issues = issuesOf(raw, dir)
  expect(issues, `expected an issue at ${path}`).toContainEqual(
    expect.objectContaining({ source: 'inline.yaml', path, message: expect.stringMatching(message) }),
  )
}

describe('the catalog folder', () => {
  it('loads every app, each valid against the schema and the semantic rules', () => {
    const keys = catalog.list().map((app) => app.key)
    expect(keys.length).toBeGreaterThanOrEqual(17)
    expect(keys).toEqual([...keys].sort())
    for (const required of [
      'github',
      'google',
      'slack',
      'notion',
      'salesforce',
      'shopify',
      'zendesk',
      'microsoft',
      'hubspot',
      'linear',
      'airtable',
      'dropbox',
      'trello',
      'stripe',
      'jira',
      'zoom',
      'http',
      'oidc',
    ]) {
      expect(keys).toContain(required)
    }
  })

  it('gives every app its documentation page, a logo file and a description', () => {
    for (const app of catalog.list()) {
      expect(app.docs_url).toMatch(/^https:\/\//)
      expect(app.description.length).toBeGreaterThan(20)
      expect(catalog.logoPath(app.key)).toBe(join(defaultCatalogDir(), app.key, 'logo.svg'))
    }
  })

  it("draws every logo as an original monogram (a tile and one or two letters), never the provider's artwork", () => {
    const monogram =
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="64" height="64" viewBox="0 0 64 64" role="img" aria-label="[^"<>]+">\s*<rect width="64" height="64" rx="14" fill="#[0-9A-Fa-f]{6}"\/>\s*<text [^<>]*>[^<>]{1,2}<\/text>\s*<\/svg>\s*$/
    for (const app of catalog.list()) {
      expect(readFileSync(catalog.logoPath(app.key) as string, 'utf8'), app.key).toMatch(monogram)
    }
  })

  it('covers every auth type', () => {
    const types = new Set(catalog.list().flatMap((app) => app.auth.map((option) => option.type)))
    expect([...types].sort()).toEqual(['api_key', 'basic', 'none', 'oauth1', 'oauth2', 'oauth2_client_credentials'])
  })

  it('answers get, option and list', () => {
    expect(catalog.get('github')?.name).toBe('GitHub')
    expect(catalog.get('nope')).toBeUndefined()
    expect(catalog.option('zendesk', 'api_token')?.type).toBe('basic')
    expect(catalog.option('zendesk', 'nope')).toBeUndefined()
    expect(catalog.option('nope', 'oauth2')).toBeUndefined()
  })

  it('applies schema defaults and freezes the apps', () => {
    const github = catalog.option('github', 'oauth2') as OAuth2Option
    expect(github.scope_separator).toBe(' ')
    expect(github.token_auth_method).toBe('client_secret_post')
    expect(github.token_response.access_token).toBe('access_token')
    expect(Object.isFrozen(github)).toBe(true)
  })

  it('models the documented provider quirks', () => {
    const opt = (app: string, key = 'oauth2') => catalog.option(app, key) as OAuth2Option
    expect(opt('github').token_headers).toEqual({ Accept: 'application/json' })
    expect(opt('google').authorization_params).toMatchObject({ access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' })
    expect(opt('slack')).toMatchObject({ scope_param: 'user_scope', scope_separator: ',' })
    expect(opt('slack').token_response).toMatchObject({ access_token: 'authed_user.access_token', ok_flag: 'ok' })
    expect(opt('notion')).toMatchObject({
      token_auth_method: 'client_secret_basic',
      token_request_format: 'json',
      authorization_params: { owner: 'user' },
    })
    expect(catalog.get('notion')?.api.headers?.['Notion-Version']).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(catalog.get('salesforce')?.api).toMatchObject({ base_url: '{metadata.instance_url}' })
    expect(catalog.get('salesforce')?.api.allowed_hosts).toEqual(['*.salesforce.com', '*.my.salesforce.com', '*.force.com'])
    expect(opt('salesforce').token_response.metadata).toMatchObject({ instance_url: 'instance_url' })
    expect(opt('shopify').authorization_url).toBe('https://{params.shop}.myshopify.com/admin/oauth/authorize')
    expect(opt('microsoft').scopes).toContain('offline_access')
    expect(catalog.get('microsoft')?.connection_params[0]).toMatchObject({ key: 'tenant', default: 'common' })
    expect(opt('airtable')).toMatchObject({ pkce: true, token_auth_method: 'client_secret_basic' })
    expect(opt('dropbox').authorization_params).toMatchObject({ token_access_type: 'offline' })
    expect(catalog.option('trello', 'oauth1')).toMatchObject({ authorization_params: { expiration: 'never', scope: 'read,write' } })
    expect(catalog.option('zoom', 'server_to_server')).toMatchObject({ token_params: { grant_type: 'account_credentials' } })
    expect(catalog.get('http')?.auth).toEqual([{ key: 'none', type: 'none', label: 'No authentication' }])
    expect(catalog.get('oidc')?.api).toMatchObject({ allowed_hosts: [], dynamic_hosts: true })
    expect(opt('oidc')).toMatchObject({ discovery: true })
    expect(opt('oidc').authorization_url).toBeUndefined()
  })

  it('gives every connection parameter an anchored pattern that accepts its example', () => {
    for (const app of catalog.list()) {
      for (const option of app.auth) {
        for (const field of connectionParamsFor(app, option)) {
          expect(field.pattern, `${app.key} ${field.key}`).toMatch(/^\^.*\$$/)
          const sample = field.example ?? field.default
          if (sample) expect(new RegExp(field.pattern as string).test(sample), `${app.key} ${field.key}`).toBe(true)
        }
      }
    }
  })
})

describe('validateApp: schema', () => {
  it('accepts the small valid app and fills defaults without touching the input', () => {
    const raw = rawApp()
    const app = validateApp(raw, 'inline.yaml')
    expect(app.logo).toBe('logo.svg')
    expect((app.auth[0] as OAuth2Option).pkce).toBe(true)
    expect(option0(raw).pkce).toBeUndefined()
  })

  it('rejects a missing required field, naming the path', () => {
    const raw = rawApp()
    delete raw.name
    expectIssue(raw, '/name', /^is required$/)
  })

  it('rejects an unknown property of an auth option, reported against that option type', () => {
    const raw = rawApp()
    option0(raw).authorize_url = 'https://login.acme.example/authorize'
    expectIssue(raw, '/auth/0/authorize_url', /Unexpected property/)
  })

  it('rejects an unknown auth type', () => {
    const raw = rawApp()
    option0(raw).type = 'saml'
    expectIssue(raw, '/auth/0/type', /must be one of oauth2, oauth2_client_credentials, oauth1, api_key, basic, none/)
  })

  it('rejects a whole-URL placeholder from connection parameters', () => {
    const raw = rawApp()
    ;(raw.api as Raw).base_url = '{params.subdomain}/api'
    expectIssue(raw, '/api/base_url', /Expected string to match/)
  })

  it('rejects a wildcard-only allowed host', () => {
    const raw = rawApp()
    ;(raw.api as Raw).allowed_hosts = ['*']
    expectIssue(raw, '/api/allowed_hosts/0', /Expected string to match/)
  })

  it('rejects a non-mapping entry', () => {
    expect(() => validateApp(['not', 'an', 'app'], 'inline.yaml')).toThrow(CatalogError)
  })
})

describe('validateApp: semantic rules', () => {
  it('requires the folder name to equal the key', () => {
    const dir = tempDir('other')
    writeFileSync(join(dir, 'logo.svg'), '<svg/>')
    expectIssue(rawApp(), '/key', /must equal the folder name "other"/, dir)
  })

  it('requires the logo file to exist beside app.yaml', () => {
    expectIssue(rawApp(), '/logo', /"logo.svg" does not exist/, tempDir('acme'))
  })

  it('requires auth option keys to be unique', () => {
    const raw = rawApp()
    ;(raw.auth as Raw[]).push({ ...option0(raw) })
    expectIssue(raw, '/auth/1/key', /duplicate auth option key "oauth2"/)
  })

  it('requires every {params.x} to be a declared connection parameter', () => {
    const raw = rawApp()
    option0(raw).authorization_url = 'https://login.acme.example/{params.region}/authorize'
    expectIssue(raw, '/auth/0/authorization_url', /\{params\.region\} is not a declared connection parameter/)
  })

  it('accepts a parameter declared by the option itself, but not at app level unless every option declares it', () => {
    const raw = rawApp()
    option0(raw).connection_params = [{ key: 'region', label: 'Region', pattern: '^(eu|us)$' }]
    option0(raw).authorization_url = 'https://login.acme.example/{params.region}/authorize'
    expect(issuesOf(raw)).toEqual([])
    ;(raw.api as Raw).headers = { 'X-Region': '{params.region}' }
    ;(raw.auth as Raw[]).push({ key: 'key', type: 'api_key', credential_fields: [{ key: 'api_key', label: 'Key', secret: true }] })
    expectIssue(raw, '/api/headers/X-Region', /\{params\.region\} is not a declared connection parameter/)
  })

  it('requires a pattern on every connection parameter', () => {
    const raw = rawApp()
    delete param0(raw).pattern
    expectIssue(raw, '/connection_params/0/pattern', /is required/)
  })

  it('requires patterns to compile', () => {
    const raw = rawApp()
    param0(raw).pattern = '^[a-z$'
    expectIssue(raw, '/connection_params/0/pattern', /does not compile/)
  })

  it('requires patterns to be anchored', () => {
    for (const pattern of ['[a-z]+', '^[a-z]+', '[a-z]+$', '^[a-z]+\\$']) {
      const raw = rawApp()
      param0(raw).pattern = pattern
      expectIssue(raw, '/connection_params/0/pattern', /must be anchored/)
    }
  })

  it('requires a default and an example to match the pattern', () => {
    const raw = rawApp()
    Object.assign(param0(raw), { optional: true, default: 'Not Valid', example: 'also not valid' })
    expectIssue(raw, '/connection_params/0/default', /does not match the pattern/)
    expectIssue(raw, '/connection_params/0/example', /does not match the pattern/)
  })

  it('requires every static URL host to be under api.allowed_hosts', () => {
    const raw = rawApp()
    option0(raw).token_url = 'https://login.other.example/token'
    expectIssue(raw, '/auth/0/token_url', /host "login\.other\.example" is not under api\.allowed_hosts/)
  })

  it('requires a templated URL host to be under api.allowed_hosts too', () => {
    const raw = rawApp()
    ;(raw.api as Raw).base_url = 'https://{params.subdomain}.elsewhere.example'
    expectIssue(raw, '/api/base_url', /host "x\.elsewhere\.example" is not under api\.allowed_hosts/)
  })

  it('requires authorization_url and token_url on oauth2 options unless discovery is true', () => {
    const raw = rawApp()
    delete option0(raw).authorization_url
    delete option0(raw).token_url
    expectIssue(raw, '/auth/0/authorization_url', /required unless discovery is true/)
    expectIssue(raw, '/auth/0/token_url', /required unless discovery is true/)
    option0(raw).discovery = true
    option0(raw).issuer = 'https://login.acme.example'
    expect(issuesOf(raw)).toEqual([])
  })

  it('requires an issuer (or an issuer setting) for discovery', () => {
    const raw = rawApp()
    Object.assign(option0(raw), { discovery: true, authorization_url: undefined, token_url: undefined })
    delete option0(raw).authorization_url
    delete option0(raw).token_url
    expectIssue(raw, '/auth/0/issuer', /needs an issuer/)
  })

  it('refuses authorization parameters Patchbay sets itself', () => {
    const raw = rawApp()
    option0(raw).authorization_params = { redirect_uri: 'https://evil.example/cb', scope: 'admin' }
    expectIssue(raw, '/auth/0/authorization_params/redirect_uri', /set by Patchbay/)
    expectIssue(raw, '/auth/0/authorization_params/scope', /set by Patchbay/)
  })

  it('refuses an unknown placeholder namespace', () => {
    const raw = rawApp()
    option0(raw).inject = { headers: { Authorization: 'Bearer {secrets.token}' } }
    expectIssue(raw, '/auth/0/inject/headers/Authorization', /unknown placeholder \{secrets\.token\}/)
  })

  it('refuses credentials where none exist yet (the authorization URL) and unknown credential names', () => {
    const raw = rawApp()
    option0(raw).authorization_params = { hint: '{credentials.access_token}' }
    option0(raw).inject = { headers: { Authorization: 'Bearer {credentials.api_key}' } }
    expectIssue(raw, '/auth/0/authorization_params/hint', /\{credentials\.access_token\} is not a credential available here/)
    expectIssue(raw, '/auth/0/inject/headers/Authorization', /\{credentials\.api_key\} is not a credential available here/)
  })

  it('requires {metadata.x} to be produced by the option', () => {
    const raw = rawApp()
    ;(raw.api as Raw).base_url = '{metadata.instance_url}/api'
    expectIssue(raw, '/api/base_url', /\{metadata\.instance_url\} is not metadata this option produces/)
    option0(raw).token_response = { metadata: { instance_url: 'instance_url' } }
    expect(issuesOf(raw)).toEqual([])
  })

  it('requires {settings.x} to be a declared setting with a pattern', () => {
    const raw = rawApp()
    ;(raw.api as Raw).headers = { 'X-Tenant': '{settings.tenant}' }
    expectIssue(raw, '/api/headers/X-Tenant', /\{settings\.tenant\} is not a declared app setting/)
    raw.settings = [{ key: 'tenant', label: 'Tenant' }]
    expectIssue(raw, '/settings/0/pattern', /is required/)
  })

  it('requires allowed hosts unless dynamic_hosts is set', () => {
    const raw = rawApp()
    raw.connection_params = []
    raw.api = { base_url: 'https://api.acme.example', allowed_hosts: [] }
    raw.auth = [{ key: 'none', type: 'none' }]
    expectIssue(raw, '/api/allowed_hosts', /at least one host/)
  })

  it('requires client_id and a secret client_secret field on client credentials options', () => {
    const raw = rawApp()
    raw.auth = [
      {
        key: 'cc',
        type: 'oauth2_client_credentials',
        token_url: 'https://login.acme.example/token',
        credential_fields: [{ key: 'client_id', label: 'Client ID', pattern: '^[a-z0-9]+$' }],
      },
    ]
    expectIssue(raw, '/auth/0/credential_fields', /must include a "client_secret" field/)
  })

  it('refuses a protocol-relative credential check path', () => {
    const raw = rawApp()
    option0(raw).credential_check = { url: '//evil.example/me' }
    expectIssue(raw, '/auth/0/credential_check/url', /path starting with a single "\/"/)
  })

  it('refuses a placeholder in the port or userinfo of a URL', () => {
    const raw = rawApp()
    option0(raw).token_url = 'https://login.acme.example:{params.subdomain}/token'
    expectIssue(raw, '/auth/0/token_url', /port or userinfo/)
  })

  it('refuses another API base URL outside the allowed hosts, and one over plain http', () => {
    const raw = rawApp()
    ;(raw.api as Record<string, unknown>).base_urls = { files: 'https://files.evil.example/v1' }
    expectIssue(raw, '/api/base_urls/files', /not under api.allowed_hosts/)
    ;(raw.api as Record<string, unknown>).base_urls = { files: 'http://files.acme.example/v1' }
    expectIssue(raw, '/api/base_urls/files', /https/)
  })

  it('refuses credentials written into a URL', () => {
    const raw = rawApp()
    option0(raw).token_url = 'https://user:pass@login.acme.example/token'
    expectIssue(raw, '/auth/0/token_url', /must not contain credentials/)
  })
})

describe('loadCatalog', () => {
  it('names the file and the exact path of every problem', () => {
    const root = mkdtempSync(join(tmpdir(), 'pb-catalog-'))
    cleanups.push(root)
    mkdirSync(join(root, 'acme'))
    writeFileSync(join(root, 'acme', 'logo.svg'), '<svg/>')
    writeFileSync(
      join(root, 'acme', 'app.yaml'),
      JSON.stringify({ ...rawApp(), auth: [{ ...option0(rawApp()), token_url: 'https://evil.example/token' }] }),
    )
    mkdirSync(join(root, 'broken'))
    writeFileSync(join(root, 'broken', 'app.yaml'), 'key: [unclosed')
    let error: unknown
    try {
      loadCatalog({ dir: root })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CatalogError)
    const message = (error as CatalogError).message
    expect(message).toContain(`${join(root, 'acme', 'app.yaml')}: /auth/0/token_url: host "evil.example" is not under api.allowed_hosts`)
    expect(message).toContain(`${join(root, 'broken', 'app.yaml')}: /: cannot read or parse`)
  })

  it('adds operator-declared apps, validated the same way', () => {
    const extra = validateApp(rawApp(), 'config')
    const withExtra = loadCatalog({ extraApps: [extra] })
    expect(withExtra.get('acme')?.name).toBe('Acme')
    expect(withExtra.logoPath('acme')).toBeUndefined()
    expect(withExtra.list().length).toBe(catalog.list().length + 1)

    const broken = { ...rawApp(), auth: [{ ...option0(rawApp()), token_url: 'https://evil.example/token' }] } as unknown as App
    expect(() => loadCatalog({ extraApps: [broken] })).toThrow(/extraApps\[0\]: \/auth\/0\/token_url: host "evil\.example"/)
  })

  it('refuses an operator-declared app that reuses a catalog key', () => {
    const clash = validateApp({ ...rawApp(), key: 'github' }, 'config')
    expect(() => loadCatalog({ extraApps: [clash] })).toThrow(/extraApps\[0\]: \/key: "github" is already an app key/)
  })
})

/** Fixed inputs for one option: connection parameters from each field's example or default. */
function sampleParams(fields: readonly Field[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.key, (f.example ?? f.default) as string]))
}

const oauth2Options = catalog
  .list()
  .flatMap((app) =>
    app.auth.filter((o): o is OAuth2Option => o.type === 'oauth2').map((option) => ({ app, option, name: `${app.key}/${option.key}` })),
  )

describe('buildAuthorizationUrl', () => {
  const fixed = {
    clientId: 'client-123',
    redirectUri: 'https://patchbay.example/oauth/callback',
    state: 'state-xyz',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  }

  it('has oauth2 options to check', () => {
    expect(oauth2Options.length).toBeGreaterThanOrEqual(12)
  })

  it.each(oauth2Options)('builds the authorize URL of $name', ({ app, option }) => {
    const params = sampleParams(connectionParamsFor(app, option))
    const settings: Record<string, string> = option.discovery ? { issuer: 'https://id.example.com/realms/main' } : {}
    const authorizationEndpoint = option.discovery ? 'https://id.example.com/realms/main/protocol/openid-connect/auth' : undefined
    const url = buildAuthorizationUrl({
      app,
      option,
      ...fixed,
      params,
      settings,
      authorizationEndpoint,
      allowedHosts: allowedHostsFor(app, settings),
    })

    const template = (option.authorization_url ?? authorizationEndpoint) as string
    const expected = new URL(template.replace(/\{params\.(\w+)\}/g, (_, key: string) => params[key] as string))
    expect(url.protocol).toBe('https:')
    expect(url.host).toBe(expected.host)
    expect(url.pathname).toBe(expected.pathname)

    const q = url.searchParams
    expect(q.get('response_type')).toBe('code')
    expect(q.get('client_id')).toBe(fixed.clientId)
    expect(q.get('redirect_uri')).toBe(fixed.redirectUri)
    expect(q.get('state')).toBe(fixed.state)
    if (option.scopes.length > 0) expect(q.get(option.scope_param)).toBe(option.scopes.join(option.scope_separator))
    else expect(q.has(option.scope_param)).toBe(false)
    if (option.scope_param !== 'scope' && !option.authorization_params?.scope) expect(q.has('scope')).toBe(false)
    if (option.pkce) {
      expect(q.get('code_challenge')).toBe(fixed.codeChallenge)
      expect(q.get('code_challenge_method')).toBe('S256')
    } else {
      expect(q.has('code_challenge')).toBe(false)
      expect(q.has('code_challenge_method')).toBe(false)
    }
    for (const [name, value] of Object.entries(option.authorization_params ?? {})) expect(q.get(name)).toBe(value)
    const known = ['response_type', 'client_id', 'redirect_uri', 'state', option.scope_param, 'code_challenge', 'code_challenge_method']
    const extra = [...q.keys()].filter((k) => !known.includes(k))
    expect(extra.sort()).toEqual(Object.keys(option.authorization_params ?? {}).sort())
    expect(url.href).toMatchSnapshot()
  })

  it('uses the partner scopes instead of the defaults when given', () => {
    const app = catalog.get('slack') as App
    const url = buildAuthorizationUrl({ app, option: app.auth[0]!, ...fixed, params: {}, scopes: ['search:read', 'users:read'] })
    expect(url.searchParams.get('user_scope')).toBe('search:read,users:read')
  })

  it('encodes values with URLSearchParams', () => {
    const app = catalog.get('google') as App
    const url = buildAuthorizationUrl({ app, option: app.auth[0]!, ...fixed, state: 'a b&c=d#e', params: {} })
    expect(url.searchParams.get('state')).toBe('a b&c=d#e')
    expect(url.search).toContain('state=a+b%26c%3Dd%23e')
    expect(url.searchParams.get('scope')).toBe('openid email profile')
  })

  it('renders templated hosts from validated parameters and refuses hostile ones', () => {
    const app = catalog.get('shopify') as App
    const option = app.auth[0]!
    expect(buildAuthorizationUrl({ app, option, ...fixed, params: { shop: 'acme' } }).host).toBe('acme.myshopify.com')
    for (const shop of ['evil.com#', 'acme.evil.com', 'a/b', '']) {
      expect(() => buildAuthorizationUrl({ app, option, ...fixed, params: { shop } })).toThrow(TemplateError)
    }
  })

  it('requires a code challenge for PKCE options', () => {
    const app = catalog.get('airtable') as App
    expect(() => buildAuthorizationUrl({ app, option: app.auth[0]!, ...fixed, codeChallenge: undefined, params: {} })).toThrow(
      /input\.codeChallenge is required/,
    )
  })

  it('refuses non-oauth2 options', () => {
    const app = catalog.get('trello') as App
    expect(() => buildAuthorizationUrl({ app, option: app.auth[0]!, ...fixed, params: {} })).toThrow(/oauth1 option, not oauth2/)
  })

  it('needs the discovered endpoint for discovery options, on an allowed host', () => {
    const app = catalog.get('oidc') as App
    const option = app.auth[0]!
    expect(() => buildAuthorizationUrl({ app, option, ...fixed, params: {} })).toThrow(/input\.authorizationEndpoint is required/)
    const settings = { issuer: 'https://id.example.com' }
    const endpoint = 'https://evil.example/authorize'
    expect(() =>
      buildAuthorizationUrl({
        app,
        option,
        ...fixed,
        params: {},
        settings,
        authorizationEndpoint: endpoint,
        allowedHosts: allowedHostsFor(app, settings),
      }),
    ).toThrow(expect.objectContaining({ code: 'PB_URL_HOST_NOT_ALLOWED' }))
  })
})

const cleanups: string[] = []
afterAll(() => {
  for (const dir of cleanups) rmSync(dir, { recursive: true, force: true })
})

function tempDir(name: string): string {
  const root = mkdtempSync(join(tmpdir(), 'pb-app-'))
  cleanups.push(root)
  const dir = join(root, name)
  mkdirSync(dir)
  return dir
}

describe('catalog order', () => {
  it('lists apps by key in code-point order, the order GET /v1/apps pages by', () => {
    const app = (key: string) => ({
      key,
      name: key,
      description: 'A local app.',
      categories: ['developer-tools'],
      docs_url: 'https://example.com/docs',
      api: { base_url: 'https://api.example.com', allowed_hosts: ['api.example.com'] },
      auth: [{ key: 'none', type: 'none' }],
    })
    const keys = loadCatalog({ extraApps: ['zz_b', 'zzb', 'zz-c', 'zz0'].map(app) })
      .list()
      .map((a) => a.key)
      .filter((k) => k.startsWith('zz'))
    expect(keys).toEqual(['zz-c', 'zz0', 'zz_b', 'zzb'])
  })
})

import { describe, expect, it } from 'vitest'
import type { App, AuthOption } from '../../src/catalog/app-schema.js'
import { loadCatalog } from '../../src/catalog/load-catalog.js'
import {
  allowedHostsFor,
  checkProviderUrl,
  connectionParamsFor,
  escapeJsonString,
  isHostAllowed,
  renderTemplate,
  renderUrl,
  TemplateError,
  type TemplateErrorCode,
  validateConnectionParams,
} from '../../src/catalog/template.js'

const catalog = loadCatalog()
const zendesk = catalog.get('zendesk') as App
const zendeskOAuth = zendesk.auth[0] as AuthOption
const salesforce = catalog.get('salesforce') as App

function expectCode(fn: () => unknown, code: TemplateErrorCode): void {
  let error: unknown
  try {
    fn()
  } catch (e) {
    error = e
  }
  expect(error, `expected ${code}`).toBeInstanceOf(TemplateError)
  expect((error as TemplateError).code).toBe(code)
}

/** Values that must never become part of a host name. */
const hostileSubdomains = [
  'acme.evil.com',
  'evil.com#',
  'evil.com?',
  'evil.com/',
  'a/b',
  'a\\b',
  'a@b',
  'user:pass@evil.com',
  'evil.com:443',
  '..',
  '.',
  '%2e',
  '%2e%2e',
  'acme%00',
  'acme\r\nHost: evil.com',
  '\u0430cme', // Cyrillic а
  'acme\uff0eevil', // fullwidth full stop
  'ａｃｍｅ', // fullwidth letters
  'acme\u200b', // zero-width space
  '-acme',
  'acme-',
  'a'.repeat(64),
  '',
  ' ',
]

describe('renderTemplate', () => {
  it('substitutes params, credentials, metadata and settings', () => {
    expect(
      renderTemplate('{credentials.email}/token {params.site} {metadata.team} {settings.issuer}', {
        params: { site: 'acme' },
        credentials: { email: 'a@b.example' },
        metadata: { team: 'T1' },
        settings: { issuer: 'https://id.example' },
      }),
    ).toBe('a@b.example/token acme T1 https://id.example')
  })

  it('fails with PB_TEMPLATE_UNKNOWN_PLACEHOLDER on an unknown namespace', () => {
    expectCode(() => renderTemplate('Bearer {secrets.token}', {}), 'PB_TEMPLATE_UNKNOWN_PLACEHOLDER')
  })

  it('fails with PB_TEMPLATE_MISSING_VALUE on a missing or empty value, naming the placeholder', () => {
    expectCode(() => renderTemplate('Bearer {credentials.access_token}', { credentials: {} }), 'PB_TEMPLATE_MISSING_VALUE')
    expectCode(
      () => renderTemplate('Bearer {credentials.access_token}', { credentials: { access_token: '' } }),
      'PB_TEMPLATE_MISSING_VALUE',
    )
    expect(() => renderTemplate('{params.site}', {})).toThrow(expect.objectContaining({ placeholder: 'params.site' }))
  })

  it('refuses values that would split a header', () => {
    expectCode(() => renderTemplate('Bearer {credentials.t}', { credentials: { t: 'x\r\nX-Evil: 1' } }), 'PB_TEMPLATE_UNSAFE_VALUE')
  })

  it('leaves other braces alone (JSON and GraphQL bodies)', () => {
    const body = '{"query":"{ viewer { id } }","id":"{params.id}"}'
    expect(renderTemplate(body, { params: { id: '7' } })).toBe('{"query":"{ viewer { id } }","id":"7"}')
  })

  it('can escape values for a JSON body', () => {
    expect(renderTemplate('{"name":"{params.n}"}', { params: { n: 'a"b\\c' } }, { escape: escapeJsonString })).toBe('{"name":"a\\"b\\\\c"}')
  })

  it('never puts the value in the error message', () => {
    try {
      renderTemplate('{credentials.t}', { credentials: { t: 'super-secret\n' } })
    } catch (error) {
      expect((error as Error).message).not.toContain('super-secret')
    }
  })
})

describe('validateConnectionParams', () => {
  it('accepts a valid subdomain', () => {
    expect(validateConnectionParams(zendesk, zendeskOAuth, { subdomain: 'acme' })).toEqual({ ok: true, params: { subdomain: 'acme' } })
  })

  it('drops the prefix and suffix a user pasted along with the value', () => {
    for (const typed of ['https://acme.zendesk.com', 'https://acme.zendesk.com/', ' acme.zendesk.com ', 'ACME.ZENDESK.COM']) {
      const result = validateConnectionParams(zendesk, zendeskOAuth, { subdomain: typed })
      expect(result.ok, typed).toBe(true)
      if (result.ok) expect(result.params.subdomain?.toLowerCase()).toBe('acme')
    }
  })

  it.each(hostileSubdomains)('rejects the subdomain %j by pattern', (subdomain) => {
    const result = validateConnectionParams(zendesk, zendeskOAuth, { subdomain })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.errors.map((e) => e.param)).toEqual(['subdomain'])
  })

  it('rejects shop handles that are not a single label', () => {
    const shopify = catalog.get('shopify') as App
    for (const shop of ['acme.evil.com', 'evil.com#', 'a/b', 'a@b', '..', '%2e', '\u0430cme', '']) {
      expect(validateConnectionParams(shopify, shopify.auth[0]!, { shop }).ok, shop).toBe(false)
    }
    expect(validateConnectionParams(shopify, shopify.auth[0]!, { shop: 'my-store.myshopify.com' })).toEqual({
      ok: true,
      params: { shop: 'my-store' },
    })
  })

  it('reports unknown and missing parameters, one error each', () => {
    const result = validateConnectionParams(zendesk, zendeskOAuth, { region: 'eu' })
    expect(result).toEqual({
      ok: false,
      errors: [
        { param: 'region', message: 'unknown connection parameter "region"' },
        { param: 'subdomain', message: 'Zendesk subdomain is required' },
      ],
    })
  })

  it('rejects values that are not strings, and input that is not an object', () => {
    expect(validateConnectionParams(zendesk, zendeskOAuth, { subdomain: ['acme'] })).toMatchObject({
      ok: false,
      errors: [{ param: 'subdomain' }],
    })
    expect(validateConnectionParams(zendesk, zendeskOAuth, 'acme')).toMatchObject({ ok: false })
    expect(validateConnectionParams(zendesk, zendeskOAuth, { __proto__: { subdomain: 'acme' } })).toMatchObject({ ok: false })
  })

  it('applies the default of an empty optional parameter', () => {
    const microsoft = catalog.get('microsoft') as App
    expect(validateConnectionParams(microsoft, microsoft.auth[0]!, {})).toEqual({ ok: true, params: { tenant: 'common' } })
    expect(validateConnectionParams(microsoft, microsoft.auth[0]!, { tenant: '' })).toEqual({ ok: true, params: { tenant: 'common' } })
    expect(validateConnectionParams(microsoft, microsoft.auth[0]!, { tenant: 'contoso.onmicrosoft.com' })).toMatchObject({ ok: true })
    expect(validateConnectionParams(microsoft, microsoft.auth[0]!, { tenant: '../common' })).toMatchObject({ ok: false })
  })

  it('accepts nothing for an app without parameters', () => {
    const github = catalog.get('github') as App
    expect(validateConnectionParams(github, github.auth[0]!, undefined)).toEqual({ ok: true, params: {} })
    expect(validateConnectionParams(github, github.auth[0]!, { extra: 'x' })).toMatchObject({ ok: false })
  })
})

describe('renderUrl', () => {
  const zendeskHosts = zendesk.api.allowed_hosts
  const fields = { params: connectionParamsFor(zendesk, zendeskOAuth) }

  it('renders a templated host from a valid parameter', () => {
    const url = renderUrl('https://{params.subdomain}.zendesk.com/oauth/tokens', { params: { subdomain: 'Acme' } }, zendeskHosts, {
      fields,
    })
    expect(url.href).toBe('https://acme.zendesk.com/oauth/tokens')
  })

  it.each(hostileSubdomains)('rejects the subdomain %j when checked against its field', (subdomain) => {
    expect(() => renderUrl('https://{params.subdomain}.zendesk.com/api/v2', { params: { subdomain } }, zendeskHosts, { fields })).toThrow(
      TemplateError,
    )
  })

  it.each(hostileSubdomains.filter((s) => s !== 'acme.evil.com' && s.trim() !== ''))(
    'rejects the subdomain %j by position even without its field',
    (subdomain) => {
      expectCode(
        () => renderUrl('https://{params.subdomain}.zendesk.com/api/v2', { params: { subdomain } }, zendeskHosts),
        'PB_TEMPLATE_UNSAFE_VALUE',
      )
    },
  )

  it('keeps a dotted value that passed no pattern under the allowed suffix', () => {
    const url = renderUrl('https://{params.subdomain}.zendesk.com/', { params: { subdomain: 'acme.evil.com' } }, zendeskHosts)
    expect(url.hostname).toBe('acme.evil.com.zendesk.com')
    expectCode(
      () => renderUrl('https://api.{params.domain}/', { params: { domain: 'evil.com' } }, ['api.acme.example']),
      'PB_URL_HOST_NOT_ALLOWED',
    )
  })

  it('refuses an empty value as missing', () => {
    expectCode(
      () => renderUrl('https://{params.subdomain}.zendesk.com/', { params: { subdomain: '' } }, zendeskHosts),
      'PB_TEMPLATE_MISSING_VALUE',
    )
  })

  it('refuses a parameter without a declared field when fields are given', () => {
    expectCode(
      () => renderUrl('https://{params.region}.zendesk.com/', { params: { region: 'eu' } }, zendeskHosts, { fields }),
      'PB_TEMPLATE_UNKNOWN_PLACEHOLDER',
    )
  })

  it('allows only one plain segment in a path position', () => {
    const template = 'https://login.microsoftonline.com/{params.tenant}/oauth2/v2.0/token'
    const hosts = ['login.microsoftonline.com']
    expect(renderUrl(template, { params: { tenant: 'contoso.onmicrosoft.com' } }, hosts).pathname).toBe(
      '/contoso.onmicrosoft.com/oauth2/v2.0/token',
    )
    for (const tenant of ['..', '.', 'a/b', 'a\\b', '%2e%2e', '..%2f', 'a?b', 'a#b', 'a@b', 'a:b', 'a b']) {
      expectCode(() => renderUrl(template, { params: { tenant } }, hosts), 'PB_TEMPLATE_UNSAFE_VALUE')
    }
  })

  it('percent-encodes credentials in a path and values in a query', () => {
    const url = renderUrl(
      'https://api.example.com/tokens/{credentials.token}?q={params.q}',
      { credentials: { token: 'a/b+c' }, params: { q: 'x&y=z#' } },
      ['api.example.com'],
    )
    expect(url.pathname).toBe('/tokens/a%2Fb%2Bc')
    expect(url.searchParams.get('q')).toBe('x&y=z#')
    expect([...url.searchParams.keys()]).toEqual(['q'])
  })

  it('refuses a rendered URL whose host escapes the allowed hosts', () => {
    expectCode(() => renderUrl('https://evil.example/api', {}, zendeskHosts), 'PB_URL_HOST_NOT_ALLOWED')
    expectCode(() => renderUrl('https://zendesk.com.evil.example/api', {}, zendeskHosts), 'PB_URL_HOST_NOT_ALLOWED')
    expectCode(() => renderUrl('https://evilzendesk.com/api', {}, zendeskHosts), 'PB_URL_HOST_NOT_ALLOWED')
    expectCode(() => renderUrl('https://127.0.0.1/api', {}, zendeskHosts), 'PB_URL_HOST_NOT_ALLOWED')
  })

  it('refuses plain http', () => {
    expectCode(
      () => renderUrl('http://{params.subdomain}.zendesk.com/api', { params: { subdomain: 'acme' } }, zendeskHosts),
      'PB_URL_NOT_HTTPS',
    )
  })

  it('allows plain http only to hosts the outbound policy allows', () => {
    const allowHttp = (host: string) => host === '127.0.0.1'
    expect(renderUrl('http://127.0.0.1/api', {}, ['127.0.0.1'], { allowHttp }).href).toBe('http://127.0.0.1/api')
    expectCode(() => renderUrl('http://127.0.0.1/api', {}, ['127.0.0.1']), 'PB_URL_NOT_HTTPS')
    expectCode(() => renderUrl('http://acme.zendesk.com/api', {}, zendeskHosts, { allowHttp }), 'PB_URL_NOT_HTTPS')
    expectCode(() => renderUrl('ftp://127.0.0.1/api', {}, ['127.0.0.1'], { allowHttp }), 'PB_URL_NOT_HTTPS')
  })

  it('refuses userinfo in the URL', () => {
    expectCode(() => renderUrl('https://user:pass@acme.zendesk.com/api', {}, zendeskHosts), 'PB_URL_HAS_CREDENTIALS')
    expectCode(() => renderUrl('https://evil.example@acme.zendesk.com/api', {}, zendeskHosts), 'PB_URL_HAS_CREDENTIALS')
  })

  it('refuses a placeholder in the port', () => {
    expectCode(() => renderUrl('https://acme.zendesk.com:{params.port}/', { params: { port: '8443' } }, zendeskHosts), 'PB_URL_INVALID')
  })

  it('refuses a whole-URL value from user-typed parameters', () => {
    expectCode(() => renderUrl('{params.url}/api', { params: { url: 'https://acme.zendesk.com' } }, zendeskHosts), 'PB_URL_INVALID')
  })
})

describe('provider-returned URLs (Salesforce instance_url)', () => {
  const hosts = salesforce.api.allowed_hosts

  it('renders the API base and the credential check from instance_url', () => {
    const values = { metadata: { instance_url: 'https://acme.my.salesforce.com' } }
    expect(renderUrl(salesforce.api.base_url, values, hosts).href).toBe('https://acme.my.salesforce.com/')
    expect(renderUrl('{metadata.instance_url}/services/oauth2/userinfo', values, hosts).href).toBe(
      'https://acme.my.salesforce.com/services/oauth2/userinfo',
    )
    expect(
      renderUrl('{metadata.instance_url}/services/data', { metadata: { instance_url: 'https://acme.my.salesforce.com/' } }, hosts).href,
    ).toBe('https://acme.my.salesforce.com/services/data')
  })

  it.each([
    ['another host', 'https://evil.example', 'PB_URL_HOST_NOT_ALLOWED'],
    ['a look-alike suffix', 'https://acme.my.salesforce.com.evil.example', 'PB_URL_HOST_NOT_ALLOWED'],
    ['no dot boundary', 'https://evilsalesforce.com', 'PB_URL_HOST_NOT_ALLOWED'],
    ['the bare apex of a wildcard', 'https://force.com', 'PB_URL_HOST_NOT_ALLOWED'],
    ['plain http', 'http://acme.my.salesforce.com', 'PB_URL_NOT_HTTPS'],
    ['javascript', 'javascript:alert(1)', 'PB_URL_NOT_HTTPS'],
    ['userinfo', 'https://evil.example@acme.my.salesforce.com', 'PB_URL_HAS_CREDENTIALS'],
    ['a backslash', 'https://evil.example\\@acme.my.salesforce.com', 'PB_URL_INVALID'],
    ['a relative URL', '/services/data', 'PB_URL_INVALID'],
    ['an empty value', '', 'PB_TEMPLATE_MISSING_VALUE'],
  ] as const)('rejects an instance_url with %s', (_, instanceUrl, code) => {
    expectCode(() => renderUrl('{metadata.instance_url}/services/data', { metadata: { instance_url: instanceUrl } }, hosts), code)
  })

  it('rejects an instance_url carrying a query or fragment', () => {
    expectCode(
      () => renderUrl('{metadata.instance_url}/x', { metadata: { instance_url: 'https://acme.my.salesforce.com?x=1' } }, hosts),
      'PB_TEMPLATE_UNSAFE_VALUE',
    )
  })

  it('checkProviderUrl returns the parsed URL or fails with a code', () => {
    expect(checkProviderUrl('https://acme.my.salesforce.com', hosts).hostname).toBe('acme.my.salesforce.com')
    expectCode(() => checkProviderUrl('https://evil.example', hosts), 'PB_URL_HOST_NOT_ALLOWED')
    expectCode(() => checkProviderUrl(42, hosts), 'PB_URL_INVALID')
    expectCode(() => checkProviderUrl('not a url', hosts), 'PB_URL_INVALID')
  })
})

describe('isHostAllowed', () => {
  it('matches exactly or under a wildcard on a dot boundary, case-insensitively', () => {
    const allowed = ['api.example.com', '*.example.org']
    expect(isHostAllowed('api.example.com', allowed)).toBe(true)
    expect(isHostAllowed('API.Example.COM', allowed)).toBe(true)
    expect(isHostAllowed('a.example.org', allowed)).toBe(true)
    expect(isHostAllowed('a.b.example.org', allowed)).toBe(true)
    expect(isHostAllowed('example.org', allowed)).toBe(false)
    expect(isHostAllowed('badexample.org', allowed)).toBe(false)
    expect(isHostAllowed('x.api.example.com', allowed)).toBe(false)
    expect(isHostAllowed('api.example.com.', allowed)).toBe(false)
    expect(isHostAllowed('a..example.org', allowed)).toBe(false)
    expect(isHostAllowed('', allowed)).toBe(false)
  })
})

describe('allowedHostsFor', () => {
  it('adds the exact hosts of partner settings only for dynamic-host apps', () => {
    const oidc = catalog.get('oidc') as App
    const settings = { issuer: 'https://id.example.com/realms/main', api_base_url: 'https://api.example.com' }
    expect(allowedHostsFor(oidc, settings, ['https://login.example.net/token'])).toEqual([
      'id.example.com',
      'api.example.com',
      'login.example.net',
    ])
    expect(allowedHostsFor(oidc, { issuer: 'http://id.example.com' })).toEqual([])
    const github = catalog.get('github') as App
    expect(allowedHostsFor(github, { issuer: 'https://evil.example' })).toEqual(github.api.allowed_hosts)
  })

  it('renders the generic apps from partner settings', () => {
    const http = catalog.get('http') as App
    const settings = { base_url: 'https://api.example.com/v1' }
    expect(renderUrl(http.api.base_url, { settings }, allowedHostsFor(http, settings), { fields: { settings: http.settings } }).href).toBe(
      'https://api.example.com/v1',
    )
    expectCode(() => renderUrl(http.api.base_url, { settings: {} }, allowedHostsFor(http, {})), 'PB_TEMPLATE_MISSING_VALUE')
    expectCode(
      () =>
        renderUrl(http.api.base_url, { settings: { base_url: 'https://api.example.com/v1?x=1' } }, ['api.example.com'], {
          fields: { settings: http.settings },
        }),
      'PB_TEMPLATE_UNSAFE_VALUE',
    )
  })
})

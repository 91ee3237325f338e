import { describe, expect, it } from 'vitest'
import {
  type AppSummary,
  contentSecurityPolicy,
  type FormOption,
  html,
  htmlPattern,
  newNonce,
  pageHeaders,
  patternHint,
  type ResultMessage,
  raw,
  renderAppForm,
  renderError,
  renderPicker,
  renderRedirecting,
  renderResult,
  renderSessionProblem,
  safeUrl,
} from '../../src/connect/pages/index.js'
import {
  errorMessage,
  pageSizes,
  renderSamples,
  sampleApps,
  sampleContext,
  sampleNonce,
  slack,
  stripeOptions,
  successMessage,
  zendesk,
  zendeskOptions,
} from './render-samples.js'

const XSS = `<img src=x onerror="alert(1)">'&`
const XSS_ESCAPED = '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;'
const SCRIPT_BREAK = '</script><script>alert(1)</script>'
const evilApp: AppSummary = { key: 'evil', name: XSS, logoUrl: '/logos/evil.svg', description: XSS, categories: [] }
const ctx = sampleContext('light')

/** The text of the JSON data block of a result page. */
function resultJson(page: string): string {
  const m = /<script type="application\/json" id="pb-result">([\s\S]*?)<\/script>/.exec(page)
  if (!m) throw new Error('no result data block')
  return m[1]!
}

/** Attribute values of every element matching a tag, e.g. all `<input …>` tags. */
function tags(page: string, name: string): string[] {
  return Array.from(page.matchAll(new RegExp(`<${name}\\b[^>]*>`, 'g')), (m) => m[0])
}

describe('html tag', () => {
  it('escapes interpolated strings and keeps nested html fragments and arrays', () => {
    const inner = html`<b>${'<i>'}</b>`
    expect(html`<p title="${'"x"'}">${inner}${[html`<br>`, '&']}${false}${null}${undefined}${0}</p>`.toString()).toBe(
      '<p title="&quot;x&quot;"><b>&lt;i&gt;</b><br>&amp;0</p>',
    )
  })

  it('does not treat an object that looks like a fragment as html', () => {
    const fake = { toString: () => '<script>' } as unknown as string
    expect(html`${fake}`.toString()).toBe('&lt;script&gt;')
    expect(html`${raw('<hr>')}`.toString()).toBe('<hr>')
  })
})

describe('escaping', () => {
  it('escapes app names and descriptions on the picker', () => {
    const page = renderPicker(ctx, { apps: [evilApp], hrefFor: (k) => `/to/${k}` })
    expect(page).not.toContain(XSS)
    expect(page).toContain(`<b>${XSS_ESCAPED}</b>`)
    expect(page).toContain(`<small>${XSS_ESCAPED}</small>`)
  })

  it('escapes the partner name everywhere it appears', () => {
    const evil = sampleContext('light', { partnerName: XSS })
    for (const page of [
      renderPicker(evil, { apps: sampleApps, hrefFor: (k) => `/to/${k}` }),
      renderAppForm(evil, { app: zendesk, options: zendeskOptions }),
      renderSessionProblem(evil, { reason: 'expired' }),
      renderError(evil, { title: 't', message: 'm' }),
    ]) {
      expect(page).not.toContain(XSS)
      expect(page).toContain(XSS_ESCAPED)
    }
  })

  it('escapes app names on the form, redirect, result and error pages', () => {
    const pages = [
      renderAppForm(ctx, { app: evilApp, options: stripeOptions }),
      renderRedirecting(ctx, { app: evilApp, url: 'https://provider.test/authorize' }),
      renderResult(ctx, { app: evilApp, message: successMessage, targetOrigin: null, title: XSS, detail: XSS }),
      renderError(ctx, { app: evilApp, title: XSS, message: XSS, code: XSS }),
    ]
    for (const page of pages) {
      expect(page).not.toContain(XSS)
      expect(page).toContain(XSS_ESCAPED)
    }
  })

  it('escapes field labels, help, prefixes, errors, values and the form error', () => {
    const option: FormOption = {
      key: 'api_key',
      label: XSS,
      type: 'api_key',
      action: '/to/x',
      submitLabel: XSS,
      hidden: { csrf: `"><script>alert(1)</script>` },
      fields: [
        {
          key: 'region',
          label: XSS,
          help: XSS,
          prefix: XSS,
          suffix: XSS,
          secret: false,
          optional: false,
          value: `" autofocus onfocus="alert(1)`,
          error: XSS,
        },
      ],
    }
    const page = renderAppForm(ctx, { app: slack, options: [option, { ...option, key: 'other' }], formError: XSS })
    expect(page).not.toContain(XSS)
    expect(page).not.toContain('<script>alert(1)')
    expect(page).not.toContain('" autofocus')
    expect(page).toContain('value="&quot; autofocus onfocus=&quot;alert(1)"')
    expect(page).toContain(`<div class="alert" role="alert">${XSS_ESCAPED}</div>`)
    expect(page).toContain(`<summary>${XSS_ESCAPED}</summary>`)
  })
})

describe('URLs', () => {
  const bad = [
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    '//evil.com/x',
    '/\\evil.com',
    '/\t/evil.com',
    'https://partner.test@evil.com/',
    'ftp://files.test/x',
    'relative/path',
    '',
  ]

  it.each(bad)('refuses %j as the redirect URL, without rendering', (url) => {
    expect(() => renderRedirecting(ctx, { app: slack, url })).toThrow(TypeError)
  })

  it.each(bad)('refuses %j as a picker link', (url) => {
    expect(() => renderPicker(ctx, { apps: sampleApps, hrefFor: () => url })).toThrow(TypeError)
  })

  it('refuses a javascript: form action, retry link, continue link and replaceUrl', () => {
    expect(() => renderAppForm(ctx, { app: zendesk, options: [{ ...stripeOptions[0]!, action: 'javascript:alert(1)' }] })).toThrow(
      TypeError,
    )
    expect(() => renderError(ctx, { title: 't', message: 'm', retryHref: 'javascript:alert(1)' })).toThrow(TypeError)
    expect(() =>
      renderResult(ctx, { message: errorMessage, targetOrigin: null, title: 't', detail: 'd', continueHref: 'javascript:alert(1)' }),
    ).toThrow(TypeError)
    expect(() => renderSessionProblem({ ...ctx, replaceUrl: 'javascript:alert(1)' }, { reason: 'used' })).toThrow(TypeError)
  })

  it('puts an http(s) URL into the meta refresh and the link, entity-escaped', () => {
    const page = renderRedirecting(ctx, { app: slack, url: `https://slack.test/authorize?a=1&b="x"&c='y'` })
    const url = 'https://slack.test/authorize?a=1&amp;b=%22x%22&amp;c=%27y%27'
    expect(page).toContain(`<meta http-equiv="refresh" content="0;url=${url}">`)
    expect(page).toContain(`<a class="btn" href="${url}">Continue to Slack</a>`)
    expect(page).not.toContain('<script')
  })

  it('accepts same-origin paths and keeps their query', () => {
    expect(safeUrl('/to/slack?session=a&x=1#f', 'u')).toBe('/to/slack?session=a&x=1#f')
    expect(safeUrl('http://localhost:3000/cb', 'u')).toBe('http://localhost:3000/cb')
    const page = renderPicker(ctx, { apps: [slack], hrefFor: (k) => `/to/${k}?session=cs_1&theme=a` })
    expect(page).toContain('href="/to/slack?session=cs_1&amp;theme=a"')
  })

  it('renders no image for a javascript: or foreign-scheme logo, and a monogram instead', () => {
    const page = renderPicker(sampleContext('light', { logoUrl: 'javascript:alert(1)' }), {
      apps: [{ ...slack, logoUrl: 'javascript:alert(1)' }],
      hrefFor: (k) => `/to/${k}`,
    })
    expect(page).not.toContain('javascript:')
    expect(page).toContain('<span class="lg mono" aria-hidden="true">S</span>')
  })
})

describe('result page', () => {
  it('keeps a </script> inside any message value inert in the JSON block', () => {
    const message: ResultMessage = { ...errorMessage, error_description: SCRIPT_BREAK, account_identifier: `\u2028${SCRIPT_BREAK}\u2029` }
    const page = renderResult(ctx, { message, targetOrigin: 'https://app.acme.test', title: 'Failed', detail: SCRIPT_BREAK })
    expect(page).not.toContain(SCRIPT_BREAK)
    expect(page).not.toContain('<script>alert(1)')
    const json = resultJson(page)
    expect(json).not.toMatch(/[<>&\u2028\u2029]/)
    expect(JSON.parse(json)).toEqual({ message, targetOrigin: 'https://app.acme.test' })
    // Exactly two script elements: the data block and the nonce'd poster.
    expect(page.match(/<script\b/g)).toHaveLength(2)
  })

  it('posts to exactly the given origin, never *, from a nonce-carrying script', () => {
    const page = renderResult(ctx, { message: successMessage, targetOrigin: 'https://app.acme.test', title: 'Connected', detail: 'd' })
    expect(JSON.parse(resultJson(page)).targetOrigin).toBe('https://app.acme.test')
    expect(page).toContain(`<script nonce="${sampleNonce}">`)
    expect(page).toContain('o.postMessage(d.message,d.targetOrigin)')
    expect(page).toContain('window.close()')
    expect(page).not.toMatch(/['"]\*['"]/)
    expect(page).toContain('You can close this window.')
  })

  it.each(['*', 'https://app.acme.test/', 'https://app.acme.test/path', 'app.acme.test', 'javascript:alert(1)', 'https://a@app.acme.test'])(
    'refuses %j as the target origin',
    (targetOrigin) => {
      expect(() => renderResult(ctx, { message: successMessage, targetOrigin, title: 't', detail: 'd' })).toThrow(TypeError)
    },
  )

  it('renders no script at all without a target origin, and tells the user to close the window', () => {
    const page = renderResult(ctx, { message: successMessage, targetOrigin: null, title: 'Connected', detail: 'd' })
    expect(page).not.toContain('<script')
    expect(page).toContain('You can close this window.')
  })

  it('posts only the fields of the message shape', () => {
    const leaky = { ...successMessage, access_token: 'xoxp-secret-token' } as ResultMessage
    const page = renderResult(ctx, { message: leaky, targetOrigin: 'https://app.acme.test', title: 't', detail: 'd' })
    expect(page).not.toContain('xoxp-secret-token')
    expect(JSON.parse(resultJson(page)).message).toEqual(successMessage)
  })

  it('shows the account identifier on success only', () => {
    expect(renderResult(ctx, { message: successMessage, targetOrigin: null, title: 't', detail: 'd' })).toContain(
      '<span class="pill">acme-team.slack.com</span>',
    )
    expect(
      renderResult(ctx, { message: { ...errorMessage, account_identifier: 'x@y' }, targetOrigin: null, title: 't', detail: 'd' }),
    ).not.toContain('class="pill"')
  })
})

describe('forms', () => {
  it('never echoes a secret field value', () => {
    const page = renderAppForm(ctx, { app: zendesk, options: zendeskOptions })
    expect(page).not.toContain('should-never-be-echoed')
    const secret = tags(page, 'input').find((t) => t.includes('name="api_token"'))!
    expect(secret).toContain('type="password"')
    expect(secret).toContain('autocomplete="off"')
    expect(secret).not.toContain('value=')
  })

  it('treats a credential-looking key as secret even when the catalog forgot the flag', () => {
    const option: FormOption = {
      ...stripeOptions[0]!,
      fields: [{ key: 'api_key', label: 'Key', secret: false, optional: false, value: 'sk_live_abcdefghijkl' }],
    }
    const page = renderAppForm(ctx, { app: slack, options: [option] })
    expect(page).not.toContain('sk_live_abcdefghijkl')
    expect(tags(page, 'input').find((t) => t.includes('name="api_key"'))).toContain('type="password"')
  })

  it('links every label to its input and every described-by id to an element', () => {
    const page = renderAppForm(ctx, { app: zendesk, options: zendeskOptions, formError: 'Bad' })
    const ids = new Set(Array.from(page.matchAll(/\bid="([^"]+)"/g), (m) => m[1]))
    const labels = Array.from(page.matchAll(/<label for="([^"]+)">/g), (m) => m[1]!)
    expect(labels.length).toBe(4)
    const visible = tags(page, 'input').filter((t) => !t.includes('type="hidden"'))
    expect(visible.length).toBe(4)
    for (const input of visible) {
      const id = /\bid="([^"]+)"/.exec(input)![1]!
      expect(labels).toContain(id)
      for (const ref of /aria-describedby="([^"]+)"/.exec(input)?.[1]?.split(' ') ?? []) expect(ids.has(ref)).toBe(true)
    }
    expect(ids.size).toBe(Array.from(page.matchAll(/\bid="/g)).length)
  })

  it('marks a field error with aria-invalid and describes the input by it', () => {
    const page = renderAppForm(ctx, { app: zendesk, options: zendeskOptions })
    const input = tags(page, 'input').find((t) => t.includes('id="api_token-api_token"'))!
    expect(input).toContain('aria-invalid="true"')
    expect(input).toContain('aria-describedby="api_token-api_token-h api_token-api_token-e"')
    expect(page).toContain('<p class="err" id="api_token-api_token-e">Zendesk rejected this token.</p>')
    expect(tags(page, 'input').filter((t) => t.includes('aria-invalid'))).toHaveLength(1)
  })

  it('renders the form error in an alert region only when there is one', () => {
    expect(renderAppForm(ctx, { app: zendesk, options: zendeskOptions, formError: 'Nope' })).toContain(
      '<div class="alert" role="alert">Nope</div>',
    )
    expect(renderAppForm(ctx, { app: zendesk, options: zendeskOptions })).not.toContain('role="alert"')
  })

  it('renders prefix, suffix, pattern and its hint, and required unless optional', () => {
    const page = renderAppForm(ctx, { app: zendesk, options: zendeskOptions })
    expect(page).toContain('<span id="api_token-subdomain-p">https://</span><input id="api_token-subdomain"')
    expect(page).toContain('<span id="api_token-subdomain-s">.zendesk.com</span>')
    expect(page).toContain('pattern="[a-z0-9][a-z0-9\\-]{0,62}"')
    expect(page).toContain('Use only lowercase letters, digits and hyphens. Example: acme')
    const stripePage = renderAppForm(ctx, { app: slack, options: stripeOptions })
    expect(tags(stripePage, 'input').find((t) => t.includes('name="api_key"'))).toContain(' required')
    expect(tags(stripePage, 'input').find((t) => t.includes('name="account_name"'))).not.toContain(' required')
    expect(stripePage).toContain('(optional)')
  })

  it('renders one disclosure per auth option with the selected one open', () => {
    const page = renderAppForm(ctx, { app: zendesk, options: zendeskOptions, selectedOption: 'oauth' })
    expect(page).toContain('<details name="pb-auth"><summary>API token</summary>')
    expect(page).toContain('<details name="pb-auth" open><summary>Sign in with Zendesk</summary>')
    expect(tags(page, 'form')).toEqual([
      '<form method="post" action="/to/zendesk/api_token">',
      '<form method="post" action="/to/zendesk/oauth">',
    ])
    const single = renderAppForm(ctx, { app: slack, options: stripeOptions })
    expect(single).not.toContain('<details')
    expect(single).toContain('<button class="btn" type="submit">Connect Stripe</button>')
  })

  it('refuses to render a form without any auth option', () => {
    expect(() => renderAppForm(ctx, { app: zendesk, options: [] })).toThrow(TypeError)
  })

  it('tells the user when the picker has no app to offer', () => {
    const page = renderPicker(ctx, { apps: [], hrefFor: (k) => `/to/${k}` })
    expect(page).toContain('No apps are available for this link. Go back to Acme CRM and try again.')
    expect(page).not.toContain('<ul')
  })

  it('turns catalog patterns into v-flag-safe HTML patterns and plain hints', () => {
    expect(htmlPattern('^[a-z0-9-]+$')).toBe('[a-z0-9\\-]+')
    expect(htmlPattern('^[-a-z]+$')).toBe('[\\-a-z]+')
    expect(htmlPattern('^(eu|us)$')).toBe('(eu|us)')
    expect(htmlPattern('^(unclosed$')).toBeUndefined()
    expect(patternHint('^[a-zA-Z0-9_]+$')).toBe('Use only letters, digits and underscores.')
    expect(patternHint('^[0-9]{4,}$')).toBe('Use only digits.')
    expect(patternHint('^[a-z.]+$')).toBe('Use only lowercase letters and dots.')
    expect(patternHint('^(eu|us)$')).toBeUndefined()
    expect(patternHint('^[a-f0-9]+$')).toBeUndefined()
    expect(patternHint('^[^<]+$')).toBeUndefined()
  })
})

describe('brand colour and themes', () => {
  it('refuses a CSS injection as brand colour and uses the default', () => {
    const page = renderAppForm(sampleContext('light', { brandColor: 'red;} body{display:none' }), { app: zendesk, options: zendeskOptions })
    expect(page).not.toContain('display:none')
    expect(page).not.toContain('red;}')
    expect(page).toContain('--brand:#4f46e5')
  })

  it.each(['#fff', 'red', '#0f766e;', 'url(javascript:alert(1))', '#0f766eff', ' #0f766e'])('ignores %j as brand colour', (brandColor) => {
    expect(renderError(sampleContext('light', { brandColor }), { title: 't', message: 'm' })).toContain('--brand:#4f46e5')
  })

  it('uses a valid brand colour for the button, with readable text on it', () => {
    expect(renderError(sampleContext('light', { brandColor: '#0F766E' }), { title: 't', message: 'm' })).toContain(
      '--brand:#0f766e;--on-brand:#ffffff',
    )
    expect(renderError(sampleContext('light', { brandColor: '#fde047' }), { title: 't', message: 'm' })).toContain(
      '--brand:#fde047;--on-brand:#111827',
    )
  })

  it('themes light, dark and auto through custom properties', () => {
    const light = renderError(sampleContext('light'), { title: 't', message: 'm' })
    const dark = renderError(sampleContext('dark'), { title: 't', message: 'm' })
    const auto = renderError(sampleContext('auto'), { title: 't', message: 'm' })
    expect(light).toContain('color-scheme:light')
    expect(light).not.toContain('color-scheme:dark')
    expect(dark).toContain('color-scheme:dark')
    expect(dark).not.toContain('color-scheme:light')
    expect(auto).toContain('color-scheme:light')
    expect(auto).toContain('@media (prefers-color-scheme:dark){:root{color-scheme:dark')
  })

  it.each(['light', 'dark', 'auto'] as const)('renders every page in %s mode as a complete, self-contained document', (mode) => {
    for (const { name, html: page } of renderSamples(mode)) {
      expect(page.startsWith('<!doctype html>\n<html lang="en">'), name).toBe(true)
      expect(page, name).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">')
      expect(page.match(/<h1>/g), name).toHaveLength(1)
      expect(page.match(/<style\b/g), name).toHaveLength(1)
      expect(page, name).toContain(`<style nonce="${sampleNonce}">`)
      expect(page, name).not.toMatch(/\sstyle="/)
      expect(page, name).not.toMatch(/\son[a-z]+=/i)
      for (const s of tags(page, 'script').filter((t) => !t.includes('type="application/json"')))
        expect(s, name).toBe(`<script nonce="${sampleNonce}">`)
      // No external resources: images are same-origin paths.
      for (const img of tags(page, 'img')) expect(img, name).toMatch(/src="\/logos\//)
      expect(page, name).not.toMatch(/<link\b|@import|url\(/)
    }
  })
})

describe('session problems and errors', () => {
  it.each([
    ['expired', 'This link has expired'],
    ['used', 'This link was already used'],
    ['invalid', 'This link is not valid'],
    ['not_found', 'This link is not valid'],
  ] as const)('explains a %s session and sends the user back to the partner', (reason, title) => {
    const page = renderSessionProblem(ctx, { reason })
    expect(page).toContain(`<h1>${title}</h1>`)
    expect(page).toContain('Go back to Acme CRM and start connecting again.')
  })

  it('still reads well without a partner name', () => {
    const page = renderSessionProblem(sampleContext('light', { partnerName: '', logoUrl: undefined }), { reason: 'expired' })
    expect(page).toContain('Go back to the app you came from')
    expect(page).not.toContain('class="top"')
  })

  it('shows the error code and a retry link when given', () => {
    const page = renderError(ctx, { title: 'Oops', message: 'Failed', code: 'PB_ERR_X', retryHref: '/to/slack' })
    expect(page).toContain('<code>PB_ERR_X</code>')
    expect(page).toContain('<a class="btn" href="/to/slack">Try again</a>')
  })

  it('replaces the address bar URL when asked, from a nonce-carrying script', () => {
    const page = renderPicker({ ...ctx, replaceUrl: '/connect?x=</script>' }, { apps: sampleApps, hrefFor: (k) => `/to/${k}` })
    expect(page).toContain(`<script nonce="${sampleNonce}">history.replaceState(null,'',"/connect?x=%3C/script%3E")</script>`)
  })
})

describe('headers', () => {
  it('builds the strict CSP with frame-ancestors none by default', () => {
    expect(contentSecurityPolicy(sampleNonce, [])).toBe(
      `default-src 'none'; script-src 'nonce-${sampleNonce}'; style-src 'nonce-${sampleNonce}'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    )
  })

  it('lists the allowed frame ancestors and extra form targets', () => {
    const csp = contentSecurityPolicy(sampleNonce, ['https://app.acme.test', 'http://localhost:3000'], {
      formAction: ['https://slack.test'],
    })
    expect(csp).toContain('frame-ancestors https://app.acme.test http://localhost:3000')
    expect(csp).toContain("form-action 'self' https://slack.test")
  })

  it.each(["https://a.test; script-src 'unsafe-inline'", '*', 'https://*.acme.test', 'https://a.test/', 'javascript:', "'unsafe-inline'"])(
    'refuses %j as a frame ancestor',
    (origin) => {
      expect(() => contentSecurityPolicy(sampleNonce, [origin])).toThrow(TypeError)
    },
  )

  it('refuses a nonce that could break the header or the attribute', () => {
    expect(() => contentSecurityPolicy("abc'; script-src *", [])).toThrow(TypeError)
    expect(() => renderError({ ...ctx, nonce: '"><script>' }, { title: 't', message: 'm' })).toThrow(TypeError)
  })

  it('sets the page headers without Cross-Origin-Opener-Policy', () => {
    const nonce = newNonce()
    expect(pageHeaders(nonce, ['https://app.acme.test'])).toEqual({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': contentSecurityPolicy(nonce, ['https://app.acme.test']),
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    })
    expect(pageHeaders(nonce, [])['X-Frame-Options']).toBe('DENY')
  })

  it('makes 128-bit base64 nonces, a new one each time', () => {
    const a = newNonce()
    expect(Buffer.from(a, 'base64')).toHaveLength(16)
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect(newNonce()).not.toBe(a)
  })
})

describe('size', () => {
  it.each(['light', 'dark', 'auto'] as const)('keeps every page at or under 10 KB in %s mode', (mode) => {
    const { 'picker-many': many, ...sizes } = pageSizes(mode)
    expect(Object.keys(sizes)).toHaveLength(11)
    for (const [name, bytes] of Object.entries(sizes)) expect(bytes, name).toBeLessThanOrEqual(10_240)
    // A catalog-sized picker grows with its apps only: its search form and count add little, each app under 250 bytes.
    expect(many).toBeLessThanOrEqual(10_240 + 160 * 250)
  })
})

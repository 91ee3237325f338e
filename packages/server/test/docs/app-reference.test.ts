import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { typeOf } from '../../src/actions/action-reference.js'
import { appReference, prose } from '../../src/catalog/app-reference.js'
import { catalogEntryProblems } from '../../src/catalog/catalog-review.js'
import { loadActions } from '../../src/actions/action-registry.js'
import { loadCatalog } from '../../src/catalog/load-catalog.js'

// docs/apps/ is generated from the catalog and the action definitions (`npx patchbay catalog docs docs/apps`):
// it must be exactly what they give today, page for page.

const dir = new URL('../../../../docs/apps/', import.meta.url)
const catalog = loadCatalog()
const registry = await loadActions(catalog)

describe('docs/apps (the generated catalog reference)', () => {
  it('is in sync with the action definitions: same pages, same text', () => {
    const pages = appReference(registry, catalog)
    const onDisk = readdirSync(dir).filter((f) => f.endsWith('.md'))
    expect(onDisk.sort()).toEqual([...pages.keys()].sort())
    for (const [name, text] of pages) {
      expect(readFileSync(new URL(name, dir), 'utf8'), `docs/apps/${name} is stale: run npx patchbay catalog docs docs/apps`).toBe(text)
    }
  })

  it("lists every action with its inputs, output and the provider's reference", () => {
    const pages = appReference(registry, catalog)
    for (const { definition: d } of registry.list()) {
      const page = pages.get(`${d.app}.md`) ?? ''
      expect(page).toContain(`## \`${d.app}.${d.key}\`: ${d.title}`)
      if (d.docs) expect(page).toContain(`[provider reference](${d.docs})`)
      for (const name of Object.keys(d.input.properties)) expect(page).toContain(`| \`${name}\` |`)
    }
    expect(pages.get('README.md')).toContain('| [GitHub](github.md) |')
  })

  it('has a setup page for every app: the callback URL to register, the scopes and the actions that need them, the quirks', () => {
    const pages = appReference(registry, catalog)
    for (const app of catalog.list()) {
      const page = pages.get(`${app.key}.md`) ?? ''
      expect(page, app.key).toContain(`[provider docs](${app.docs_url})`)
      for (const option of app.auth) {
        if (option.type === 'oauth2') expect(page, app.key).toContain(`{PATCHBAY_PUBLIC_URL}/oauth2/callback/${app.key}`)
        if (option.type === 'oauth2' && !option.scopes_from_app)
          for (const scope of option.scopes) expect(page, app.key).toContain(`| \`${scope}\` | by default |`)
      }
      for (const quirk of app.quirks ?? []) expect(page, app.key).toContain(`- ${prose(quirk)}`)
    }
    // Gmail's send scope is asked only when the partner adds it, and the page says which action needs it.
    expect(pages.get('google.md')).toMatch(
      /\| `https:\/\/www\.googleapis\.com\/auth\/gmail\.send` \| when the partner adds it \| `google\.gmail_send_message` \|/,
    )
  })

  it('lists the entries whose docs say something unusual in the review list', () => {
    const index = appReference(registry, catalog).get('README.md') ?? ''
    const review = index.slice(index.indexOf('## Review list'))
    expect(review).toContain('| [Shopify](shopify.md) |')
    expect(review).toMatch(/\| \[Slack\]\(slack\.md\) \| `oauth2`: non-standard token response/)
  })
})

describe('catalog entries (beyond the load checks)', () => {
  it('each say their scopes (or that the provider takes none) and have a credential check (or say why not)', () => {
    expect(catalog.list().flatMap(catalogEntryProblems)).toEqual([])
  })

  it('catches an entry without scopes or without a credential check', () => {
    const github = catalog.get('github')
    if (!github) throw new Error('no github entry')
    const oauth = github.auth[0] as Extract<(typeof github.auth)[number], { type: 'oauth2' }>
    const stripped = { ...github, auth: [{ ...oauth, scopes: [], credential_check: undefined }] }
    expect(catalogEntryProblems(stripped as never)).toEqual([
      'github: auth option oauth2 lists no scopes (set scopes_from_app if the provider takes none)',
      'github: auth option oauth2 has no credential_check (or no_credential_check saying why)',
    ])
  })

  it('names JSON Schema types in a few words', () => {
    expect(typeOf({ type: 'integer', minimum: 1, maximum: 100 })).toBe('integer (1–100)')
    expect(typeOf({ anyOf: [{ const: 'open' }, { const: 'closed' }] })).toBe('`"open"` \\| `"closed"`')
    expect(typeOf({ type: 'array', items: { type: 'string' } })).toBe('array of string')
    expect(typeOf({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toBe('string \\| null')
    expect(typeOf({ type: 'object', patternProperties: { '^(.*)$': {} } })).toBe('object (any keys)')
  })
})

describe('docs/apps: catalog text is written as text', () => {
  it('escapes what Markdown or HTML would act on in names, descriptions, labels and quirks', async () => {
    const hostile = {
      key: 'hostile_app',
      name: 'Evil [click](javascript:alert(1)) <img src=x onerror=alert(1)>',
      description: '# Not a heading\r\n| not | a | column | *bold* _em_ \\| `tick`',
      categories: ['developer-tools'],
      docs_url: 'https://example.com/docs',
      quirks: ['<script>alert(1)</script> and [a link](https://evil.example)'],
      api: { base_url: 'https://api.example.com', allowed_hosts: ['api.example.com'] },
      auth: [
        {
          key: 'api_key',
          type: 'api_key',
          label: 'Key | with pipe',
          credential_fields: [{ key: 'token', label: 'Token <b>bold</b> | x', secret: true, pattern: '^(a|b)+$' }],
          inject: { headers: { Authorization: 'Bearer {credentials.token}' } },
        },
      ],
    }
    const withHostile = loadCatalog({ extraApps: [hostile] })
    const page = appReference(await loadActions(withHostile), withHostile).get('hostile_app.md') ?? ''
    expect(page).not.toMatch(/[^\\]\[click\]\(/)
    expect(page).not.toMatch(/[^\\]<img/)
    expect(page).not.toMatch(/[^\\]<script>/)
    expect(page).not.toContain('\r')
    expect(page).toContain('# Evil \\[click\\]')
    expect(page).toContain('\\# Not a heading')
    // The field table keeps its five columns; the pattern's pipe is escaped inside its code span.
    const row = page.split('\n').find((l) => l.startsWith('| `token` |')) ?? ''
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(5)
    expect(row).toContain('`^(a\\|b)+$`')
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadCatalog } from '../../src/catalog/load-catalog.js'

const doc = readFileSync(new URL('../../../../docs/catalog.md', import.meta.url), 'utf8')
const table = doc.split('<!-- catalog-list -->')[1]?.split('<!-- /catalog-list -->')[0] ?? ''

describe('docs/catalog.md', () => {
  it('lists every catalog app, and no app that is not in the catalog', () => {
    const listed = [...table.matchAll(/^\| `([a-z0-9_-]+)` \|/gm)].map((m) => m[1])
    expect(listed).toEqual(
      loadCatalog()
        .list()
        .map((app) => app.key),
    )
  })

  it.each(loadCatalog().list())('shows $key with its auth option types and docs page', (app) => {
    const row = table.split('\n').find((line) => line.startsWith(`| \`${app.key}\` |`)) ?? ''
    for (const option of app.auth) expect(row).toContain(`\`${option.type}\``)
    expect(row).toContain(app.docs_url)
  })
})

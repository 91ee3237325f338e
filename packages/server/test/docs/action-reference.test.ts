import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { actionReference, typeOf } from '../../src/actions/action-reference.js'
import { loadActions } from '../../src/actions/action-registry.js'
import { loadCatalog } from '../../src/catalog/load-catalog.js'

// docs/apps/ is generated from the action definitions (`npx patchbay actions docs docs/apps`): it must be
// exactly what the definitions give today, page for page.

const dir = new URL('../../../../docs/apps/', import.meta.url)
const catalog = loadCatalog()
const registry = await loadActions(catalog)

describe('docs/apps (the generated action reference)', () => {
  it('is in sync with the action definitions: same pages, same text', () => {
    const pages = actionReference(registry, catalog)
    const onDisk = readdirSync(dir).filter((f) => f.endsWith('.md'))
    expect(onDisk.sort()).toEqual([...pages.keys()].sort())
    for (const [name, text] of pages) {
      expect(readFileSync(new URL(name, dir), 'utf8'), `docs/apps/${name} is stale: run npx patchbay actions docs docs/apps`).toBe(text)
    }
  })

  it("lists every action with its inputs, output and the provider's reference", () => {
    const pages = actionReference(registry, catalog)
    for (const { definition: d } of registry.list()) {
      const page = pages.get(`${d.app}.md`) ?? ''
      expect(page).toContain(`## \`${d.app}.${d.key}\`: ${d.title}`)
      if (d.docs) expect(page).toContain(`[provider reference](${d.docs})`)
      for (const name of Object.keys(d.input.properties)) expect(page).toContain(`| \`${name}\` |`)
    }
    expect(pages.get('README.md')).toContain('| [GitHub](github.md) |')
  })

  it('names JSON Schema types in a few words', () => {
    expect(typeOf({ type: 'integer', minimum: 1, maximum: 100 })).toBe('integer (1–100)')
    expect(typeOf({ anyOf: [{ const: 'open' }, { const: 'closed' }] })).toBe('`"open"` \\| `"closed"`')
    expect(typeOf({ type: 'array', items: { type: 'string' } })).toBe('array of string')
    expect(typeOf({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toBe('string \\| null')
    expect(typeOf({ type: 'object', patternProperties: { '^(.*)$': {} } })).toBe('object (any keys)')
  })
})

import { appsDir } from '@patchbay/catalog'
import { fixturesPath, readFixtures, replayFixtures } from '@patchbay/catalog/testing'
import type { TObject } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { loadActions } from '../../src/actions/action-registry.js'
import { loadCatalog } from '../../src/catalog/load-catalog.js'

// Every catalog action carries the provider's reference URL and recorded fixtures (the documented
// request and answer pairs for its success and its typical errors), replayed here with no server and
// no account, as `patchbay actions test` does (docs/actions.md, "Fixtures"). The engine replays the
// same files through the proxy in test/actions/fixtures-engine.test.ts.

const registry = await loadActions(loadCatalog())
const actions = registry.list().map((a) => a.definition)

describe('catalog action fixtures', () => {
  it.each(actions.map((d) => [`${d.app}.${d.key}`, d] as const))(
    '%s names its reference and has fixtures for success and failure',
    (id, d) => {
      expect(d.docs, `${id}: docs`).toMatch(/^https:\/\/[^\s]+$/)
      const fixtures = readFixtures(fixturesPath(appsDir, d.app, d.key))
      expect(fixtures, `${id}: ${d.key}.fixtures.json`).toBeDefined()
      expect(fixtures?.action).toBe(id)
      expect(fixtures?.docs).toMatch(/^https:\/\/[^\s]+$/)
      expect(
        fixtures?.cases.some((c) => 'output' in c.expect),
        `${id}: a case that succeeds`,
      ).toBe(true)
      expect(
        fixtures?.cases.some((c) => 'error' in c.expect),
        `${id}: a case that fails`,
      ).toBe(true)
      expect(new Set(fixtures?.cases.map((c) => c.name)).size).toBe(fixtures?.cases.length)
    },
  )

  it.each(actions.map((d) => [`${d.app}.${d.key}`, d] as const))(
    '%s passes its fixtures (and its dry run shows what it sends)',
    async (id, d) => {
      const fixtures = readFixtures(fixturesPath(appsDir, d.app, d.key))
      if (!fixtures) throw new Error(`${id} has no fixtures`)
      const results = await replayFixtures(d, fixtures)
      expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.problems.join('; ')}`)).toEqual([])
      if (d.type === 'write') expect(results.some((r) => r.name.startsWith('dry run of'))).toBe(true)
    },
  )

  it.each(actions.filter((d) => /^(list|search)_/.test(d.key)).map((d) => [`${d.app}.${d.key}`, d] as const))(
    '%s pages: takes a cursor and returns next_cursor',
    (_id, d) => {
      expect(Object.keys(d.input.properties)).toContain('cursor')
      expect(Object.keys((d.output as TObject).properties ?? {})).toContain('next_cursor')
    },
  )
})

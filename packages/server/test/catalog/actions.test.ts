import { type ActionDefinition, defineAction } from '@patchbay/catalog'
import { Kind, Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { buildRegistry, loadActions } from '../../src/actions/action-registry.js'
import { CatalogError } from '../../src/catalog/catalog-error.js'
import { loadCatalog } from '../../src/catalog/load-catalog.js'

// Every action definition of the catalog is checked when the server starts; these tests run the
// same checks in CI, on the real catalog and on definitions that break each rule.

const catalog = loadCatalog()

const good = defineAction({
  key: 'list_things',
  app: 'github',
  version: '1.0.0',
  type: 'read',
  title: 'List things',
  description: 'A valid definition the cases below break one rule at a time.',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['repo'],
  input: Type.Object({ owner: Type.String(), repo: Type.String() }),
  output: Type.Object({ n: Type.Integer() }),
  fields: { repo: { dependsOn: ['owner'], options: async () => ({ options: [] }) } },
  run: async () => ({ n: 1 }),
})

function problems(definitions: unknown[]): string[] {
  try {
    buildRegistry(
      definitions.map((definition, i) => ({ definition: definition as ActionDefinition, source: `case-${i}` })),
      catalog,
    )
    return []
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err
    return err.issues.map((issue) => `${issue.path} ${issue.message}`)
  }
}

describe('catalog actions', () => {
  it('loads every catalog action: at least 60 over at least 15 apps, read, write and search, with dynamic fields, dependent fields and dynamic schemas', async () => {
    const registry = await loadActions(catalog)
    const actions = registry.list()
    expect(actions.length).toBeGreaterThanOrEqual(60)
    expect(new Set(actions.map((a) => a.definition.app)).size).toBeGreaterThanOrEqual(15)
    // Fields that depend on the account: Airtable fields, Salesforce object fields, Jira custom fields.
    const dynamicSchemas = actions.filter((a) => a.definition.dynamicInput).map((a) => a.id)
    expect(dynamicSchemas).toEqual(expect.arrayContaining(['airtable.create_record', 'salesforce.create_record', 'jira.create_issue']))
    expect(new Set(actions.map((a) => a.definition.type))).toEqual(new Set(['read', 'write', 'search']))
    const fields = actions.flatMap((a) => Object.values(a.definition.fields ?? {}))
    expect(fields.length).toBeGreaterThanOrEqual(3)
    expect(fields.some((f) => (f?.dependsOn ?? []).length > 0)).toBe(true)
    for (const action of actions) expect(action.id).toBe(`${action.definition.app}.${action.definition.key}`)
  })

  it('accepts the valid definition', () => {
    expect(problems([good])).toEqual([])
  })

  it.each([
    ['a bad key', { ...good, key: 'List-Things' }, '/key'],
    ['an app outside the catalog', { ...good, app: 'nope' }, '/app'],
    ['a version that is not semver', { ...good, version: 'v1' }, '/version'],
    ['an unknown type', { ...good, type: 'delete' }, '/type'],
    [
      'a read action that is not read-only',
      { ...good, annotations: { readOnly: false, destructive: false, idempotent: true } },
      '/annotations/readOnly',
    ],
    ['a scope the app does not declare', { ...good, scopes: ['admin:everything'] }, '/scopes/0'],
    ['an input that is not an object schema', { ...good, input: Type.String() }, '/input'],
    ['an output that is not a schema', { ...good, output: { type: 'object' } }, '/output'],
    // The validators are compiled on first use; their code is generated at load, which refuses this.
    ['an output of a kind no validator can be compiled for', { ...good, output: Type.Unsafe({ [Kind]: 'NoSuchKind' }) }, '/output'],
    [
      'an input property of a kind no validator can be compiled for',
      { ...good, input: Type.Object({ owner: Type.String(), repo: Type.Unsafe({ [Kind]: 'NoSuchKind' }) }) },
      '/input',
    ],
    ['a dynamic field outside the input', { ...good, fields: { nope: { options: async () => ({ options: [] }) } } }, '/fields/nope'],
    [
      'a dependency outside the input',
      { ...good, fields: { repo: { dependsOn: ['nope'], options: async () => ({ options: [] }) } } },
      '/fields/repo/dependsOn',
    ],
    [
      'a dynamic input on a field that is not an object of any keys',
      { ...good, dynamicInput: { field: 'repo', dependsOn: [], schema: async () => ({ type: 'object', properties: {} }) } },
      '/dynamicInput/field',
    ],
    [
      'a dynamic input depending on a field outside the input',
      {
        ...good,
        input: Type.Object({ owner: Type.String(), extra: Type.Record(Type.String(), Type.Unknown()) }),
        fields: {},
        dynamicInput: { field: 'extra', dependsOn: ['nope'], schema: async () => ({ type: 'object', properties: {} }) },
      },
      '/dynamicInput/dependsOn',
    ],
    ['a timeout out of range', { ...good, timeoutMs: 50 }, '/timeoutMs'],
    ['no run function', { ...good, run: undefined }, '/run'],
  ])('refuses %s', (_what, definition, path) => {
    expect(problems([definition]).map((p) => p.split(' ')[0])).toContain(path)
  })

  it('compiles the validators on first use, once, and they check what the schemas say', async () => {
    const action = (await loadActions(catalog, { extra: [good] })).get('github.list_things')!
    expect(action.input).toBe(action.input)
    expect(action.input.Check({ owner: 'o', repo: 'r' })).toBe(true)
    expect(action.input.Check({ owner: 'o' })).toBe(false)
    expect(action.output.Check({ n: 1 })).toBe(true)
    expect(action.output.Check({ n: 1.5 })).toBe(false)
  })

  it('refuses two definitions with one id', () => {
    expect(problems([good, { ...good, title: 'Again' }])).toEqual(['/key the action github.list_things is defined twice'])
  })
})

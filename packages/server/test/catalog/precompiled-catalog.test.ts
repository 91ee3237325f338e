import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { catalogSourcesHash, defaultCatalogDir, loadCatalog, precompileCatalog, readPrecompiled } from '../../src/catalog/load-catalog.js'

/**
 * The build writes the catalog parsed and checked to dist/catalog/apps.json (scripts/precompile-catalog.mjs)
 * and a start reads it instead of the YAML files, but only while it matches them (docs/operations.md, "Sizing").
 */
const built = new URL('../../dist/catalog/apps.json', import.meta.url)
const work = mkdtempSync(join(tmpdir(), 'patchbay-precompiled-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('the precompiled catalog', () => {
  it('is written by the build and holds exactly the apps parsing the folder gives', () => {
    expect(existsSync(built), 'dist/catalog/apps.json: run `npm run build`').toBe(true)
    const precompiled = readPrecompiled(defaultCatalogDir(), built)
    expect(precompiled, 'the built file is stale: run `npm run build`').toBeDefined()
    // Run from the sources there is no precompiled file beside the module: this catalog is parsed.
    const parsed = loadCatalog()
    expect([...(precompiled?.keys() ?? [])].sort()).toEqual(parsed.list().map((app) => app.key))
    for (const app of parsed.list()) {
      expect(precompiled?.get(app.key)?.app, app.key).toEqual(app)
      expect(precompiled?.get(app.key)?.logo, app.key).toBe(parsed.logoPath(app.key))
    }
  })

  it('is never used once a source changed', () => {
    const root = join(work, 'apps')
    for (const app of ['github', 'slack']) cpSync(join(defaultCatalogDir(), app), join(root, app), { recursive: true })
    const file = join(work, 'apps.json')
    const write = () => writeFileSync(file, JSON.stringify(precompileCatalog(root)))
    write()
    expect([...(readPrecompiled(root, file)?.keys() ?? [])]).toEqual(['github', 'slack'])

    const yamlFile = join(root, 'slack', 'app.yaml')
    const yaml = readFileSync(yamlFile, 'utf8')
    writeFileSync(yamlFile, yaml.replace(/^name: .*$/m, 'name: Slack renamed'))
    expect(readPrecompiled(root, file)).toBeUndefined()
    write()
    expect(readPrecompiled(root, file)?.get('slack')?.app.name).toBe('Slack renamed')

    const before = catalogSourcesHash(root)
    writeFileSync(join(root, 'github', 'extra.svg'), '<svg/>')
    expect(catalogSourcesHash(root)).not.toBe(before)
    expect(readPrecompiled(root, file)).toBeUndefined()
    write()
    rmSync(join(root, 'github', 'logo.svg'))
    expect(readPrecompiled(root, file)).toBeUndefined()
  })

  it('is not written for a catalog with a problem', () => {
    const root = join(work, 'broken')
    cpSync(join(defaultCatalogDir(), 'github'), join(root, 'github'), { recursive: true })
    writeFileSync(join(root, 'github', 'app.yaml'), 'key: [')
    expect(precompileCatalog(root)).toBeUndefined()
  })
})

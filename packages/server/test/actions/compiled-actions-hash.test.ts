import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compiledAppsDir } from '@patchbay/catalog'
import { afterEach, describe, expect, it } from 'vitest'
import { compiledActionsHash } from '../../src/actions/compiled-actions-hash.js'

// The bundle's copies of the catalog's action modules are used only while the compiled folder
// hashes as it did when the bundle was built (docs/operations.md, "Sizing").
describe('compiledActionsHash', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it("changes with any action file or shared helper, and not with a rewrite of the same content or another folder's file", () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-actions-hash-'))
    cpSync(join(compiledAppsDir, 'github'), join(dir, 'github'), { recursive: true })
    const actions = join(dir, 'github', 'actions')
    const first = compiledActionsHash(dir)
    expect(first).toMatch(/^[0-9a-f]{64}$/)
    cpSync(join(compiledAppsDir, 'github', 'actions', 'create_issue.js'), join(actions, 'create_issue.js'))
    expect(compiledActionsHash(dir)).toBe(first)
    writeFileSync(join(dir, 'github', 'app.yaml'), 'not read by this hash')
    expect(compiledActionsHash(dir)).toBe(first)
    writeFileSync(join(actions, '_fields.js'), '// edited\n', { flag: 'a' })
    const helperEdited = compiledActionsHash(dir)
    expect(helperEdited).not.toBe(first)
    writeFileSync(join(actions, 'create_issue.js'), '// edited\n', { flag: 'a' })
    expect(compiledActionsHash(dir)).not.toBe(helperEdited)
  })

  it('is the same for two folders with the same files, and differs for a missing folder', () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-actions-hash-'))
    cpSync(join(compiledAppsDir, 'github'), join(dir, 'a', 'github'), { recursive: true })
    cpSync(join(compiledAppsDir, 'github'), join(dir, 'b', 'github'), { recursive: true })
    expect(compiledActionsHash(join(dir, 'a'))).toBe(compiledActionsHash(join(dir, 'b')))
    expect(compiledActionsHash(join(dir, 'missing'))).not.toBe(compiledActionsHash(join(dir, 'a')))
  })
})

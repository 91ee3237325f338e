import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const serverDir = new URL('../../', import.meta.url).pathname
const repoRoot = new URL('../../../../', import.meta.url).pathname
const manifest = JSON.parse(readFileSync(join(serverDir, 'package.json'), 'utf8')) as {
  version: string
  bin: Record<string, string>
  [key: string]: unknown
}

async function exec(command: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/**
 * A fresh clone has no dist/ when `npm ci` links the workspace's bin (the build comes after), so
 * `npx patchbay …` only works if `bin` names a committed file.
 */
describe('the patchbay command on a fresh clone', () => {
  const root = mkdtempSync(join(tmpdir(), 'pb-fresh-clone-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('is linked by the install to the committed shim, which asks for a build, then runs it (npx patchbay --version)', async () => {
    // The workspace as a clone has it: its manifest and committed bin folder, no dist/ (dependencies
    // left out: the link is what is under test, and the install stays offline).
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fresh-clone', private: true, workspaces: ['packages/server'] }))
    const workspace = join(root, 'packages/server')
    mkdirSync(workspace, { recursive: true })
    writeFileSync(join(workspace, 'package.json'), JSON.stringify({ ...manifest, dependencies: {}, devDependencies: {} }))
    if (existsSync(join(serverDir, 'bin'))) cpSync(join(serverDir, 'bin'), join(workspace, 'bin'), { recursive: true })

    const install = await exec('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], root)
    expect(install.code, install.stderr).toBe(0)
    const link = join(root, 'node_modules/.bin/patchbay')
    expect(existsSync(link), 'node_modules/.bin/patchbay after the install').toBe(true)
    expect(realpathSync(link)).toBe(realpathSync(join(workspace, 'bin/patchbay.js')))

    const unbuilt = await exec('npx', ['--offline', 'patchbay', '--version'], root)
    expect(unbuilt.code).not.toBe(0)
    expect(unbuilt.stderr).toContain('run `npm run build` first')

    // After `npm run build`: the shim loads the build.
    symlinkSync(join(serverDir, 'dist'), join(workspace, 'dist'))
    const built = await exec('npx', ['--offline', 'patchbay', '--version'], root)
    expect(built.code, built.stderr).toBe(0)
    expect(built.stdout.trim()).toBe(manifest.version)
  })

  it('is linked in this checkout to the committed shim', () => {
    expect(manifest.bin).toEqual({ patchbay: 'bin/patchbay.js' })
    expect(realpathSync(join(repoRoot, 'node_modules/.bin/patchbay'))).toBe(realpathSync(join(serverDir, 'bin/patchbay.js')))
  })
})

import { execFile, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { listeningUrl } from '../helpers/listening-url.js'

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

/**
 * Run as a command, the committed file starts Node with the runtime settings of docs/operations.md
 * ("Sizing"), unless the environment already sets them. What the process got is read back from
 * /proc: the exec chain (sh, env, node) keeps the PID the caller spawned, so signals reach Node.
 */
describe('the patchbay command started as a program', () => {
  const bin = join(serverDir, 'bin/patchbay.js')

  async function startedEnvironment(extra: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'pb-bin-settings-'))
    const { DATABASE_URL: _db, MALLOC_ARENA_MAX: _a, MALLOC_MMAP_THRESHOLD_: _t, NODE_OPTIONS: _o, ...rest } = process.env
    // As in node_modules/.bin: `node` is found on PATH (this Node first, so both CI Nodes are tested).
    const child = spawn(bin, ['start', '--dev'], {
      env: {
        ...rest,
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        PATCHBAY_DATA_DIR: dir,
        PATCHBAY_PORT: '0',
        PATCHBAY_LOG_LEVEL: 'info',
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const { url } = await listeningUrl(child)
      expect((await fetch(`${url}/readyz`)).status).toBe(200)
      const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0')
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      expect(await exited, 'SIGTERM reaches Node, which stops cleanly').toBe(0)
      const value = (name: string) => environ.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1)
      return { value, cmdline }
    } finally {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it('gives Node 2 MiB semi-spaces and glibc malloc 2 arenas and a fixed 128 KiB mmap threshold', async () => {
    const { value, cmdline } = await startedEnvironment({})
    expect(cmdline).toEqual(['node', bin, 'start', '--dev', ''])
    expect(value('MALLOC_ARENA_MAX')).toBe('2')
    expect(value('MALLOC_MMAP_THRESHOLD_')).toBe('131072')
    expect(value('NODE_OPTIONS')?.trim()).toBe('--max-semi-space-size=2')
  })

  it('keeps the settings the environment already has (the last flag in NODE_OPTIONS wins)', async () => {
    const { value } = await startedEnvironment({
      MALLOC_ARENA_MAX: '4',
      MALLOC_MMAP_THRESHOLD_: '262144',
      NODE_OPTIONS: '--max-semi-space-size=8',
    })
    expect(value('MALLOC_ARENA_MAX')).toBe('4')
    expect(value('MALLOC_MMAP_THRESHOLD_')).toBe('262144')
    expect(value('NODE_OPTIONS')).toBe('--max-semi-space-size=2 --max-semi-space-size=8')
  })
})

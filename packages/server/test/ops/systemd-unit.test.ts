import { execFile, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const execFileAsync = promisify(execFile)
const root = new URL('../../../../', import.meta.url).pathname
const unitFile = join(root, 'deploy/patchbay.service')
const operations = readFileSync(join(root, 'docs/operations.md'), 'utf8')
const cli = join(root, 'packages/server/dist/cli.js')
if (!existsSync(cli)) throw new Error('packages/server/dist/cli.js is missing: run `npm run build` (npm test does it first)')

/** The unit's settings: section → key → values (a key may repeat, e.g. Environment=). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>()
  let current: Map<string, string[]> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(\w+)\]$/.exec(line)
    if (header) {
      current = new Map()
      sections.set(header[1] as string, current)
      continue
    }
    const eq = line.indexOf('=')
    if (!current || eq < 0) throw new Error(`not a unit file line: ${line}`)
    const key = line.slice(0, eq)
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)])
  }
  return sections
}

const unit = parseUnit(readFileSync(unitFile, 'utf8'))
const service = unit.get('Service') as Map<string, string[]>
const one = (key: string): string => {
  const values = service.get(key) ?? []
  expect(values, key).toHaveLength(1)
  return values[0] as string
}
const environment = Object.fromEntries(
  (service.get('Environment') ?? []).map((assignment) => {
    const eq = assignment.indexOf('=')
    return [assignment.slice(0, eq), assignment.slice(eq + 1)]
  }),
)

/** The install directory the unit assumes (WorkingDirectory) and the state directory systemd makes. */
const installDir = () => one('WorkingDirectory')
const stateDir = () => `/var/lib/${one('StateDirectory')}`

function hasSystemdAnalyze(): boolean {
  return spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * deploy/patchbay.service (docs/operations.md, "Running with systemd"): systemd's own checks where
 * systemd-analyze is installed (Debian's systemd package; this machine kind has it), and its command
 * run as systemd would run it, with the unit's environment, stopped with its KillSignal.
 */
describe('deploy/patchbay.service', () => {
  it('passes systemd-analyze verify, and its hardening scores as OK', async () => {
    if (!hasSystemdAnalyze()) {
      // The command checks below still run; CI's machines have systemd-analyze, so there it must be found.
      if (process.env.CI === 'true') throw new Error('systemd-analyze is missing: install Debian\'s "systemd" package')
      console.warn("[patchbay tests] systemd-analyze is missing: only the unit's command is checked")
      return
    }
    const verify = await execFileAsync('systemd-analyze', ['verify', unitFile]).catch((err: { stderr: string; code: number }) => err)
    expect(verify.stderr).toBe('')
    // The exposure systemd computes from the sandboxing settings (0 best, 10 worst; "OK" up to 3.9).
    const security = await execFileAsync('systemd-analyze', ['security', '--offline=true', '--no-pager', unitFile])
    const level = Number(/Overall exposure level for patchbay\.service: ([\d.]+)/.exec(security.stdout)?.[1])
    expect(level).toBeLessThanOrEqual(2)
  })

  it('runs the command, user and directories that docs/operations.md gives', () => {
    const execStart = one('ExecStart')
    expect(operations).toContain(`ExecStart=${execStart}`)
    const [node, bin, command, ...rest] = execStart.split(' ')
    expect(node).toMatch(/^\/.*\/node$/)
    expect(rest).toEqual([])
    expect(command).toBe('start')
    // The committed bin that npm ci links (packages/server/package.json), inside the install directory.
    const pkg = JSON.parse(readFileSync(join(root, 'packages/server/package.json'), 'utf8')) as { bin: { patchbay: string } }
    expect(bin).toBe(`${installDir()}/packages/server/${pkg.bin.patchbay}`)
    expect(operations).toContain(installDir())
    expect(environment.PATCHBAY_DATA_DIR).toBe(stateDir())
    // A named system user, which docs/operations.md creates and runs the CLI as.
    expect(one('User')).not.toMatch(/^(root|0)$/)
    expect(operations).toContain(`useradd --system --home-dir ${stateDir()} --shell /usr/sbin/nologin ${one('User')}`)
    expect(operations).toContain(`runuser -u ${one('User')} --`)
    expect(one('ProtectSystem')).toBe('strict')
    expect(one('EnvironmentFile')).toMatch(/^\/etc\//)
    expect(operations).toContain(one('EnvironmentFile'))
    // Every PATCHBAY_ setting it names is one Patchbay reads (README's configuration reference).
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    for (const name of Object.keys(environment).filter((n) => n.startsWith('PATCHBAY_'))) {
      expect(readme, name).toContain(`| \`${name}\` |`)
    }
  })

  it('leaves a configuration error alone: Patchbay exits 78, which the unit does not restart', async () => {
    expect(one('Restart')).toBe('on-failure')
    expect(one('RestartPreventExitStatus').split(' ')).toContain('78')
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-unit-'))
    try {
      const [, bin] = one('ExecStart').split(' ')
      // No PATCHBAY_ENCRYPTION_KEYS (an EnvironmentFile without it): outside development mode that is refused.
      const result = spawnSync(process.execPath, [(bin as string).replace(installDir(), root), 'start'], {
        cwd: root,
        env: { PATH: process.env.PATH, ...environment, PATCHBAY_DATA_DIR: dir, PATCHBAY_PORT: '0' },
        encoding: 'utf8',
        timeout: 30_000,
      })
      expect(result.status, result.stderr).toBe(78)
      expect(result.stderr).toContain('PATCHBAY_ENCRYPTION_KEYS')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("starts with the unit's environment and stops gracefully on its KillSignal within TimeoutStopSec", async () => {
    const timeoutStop = Number(/^(\d+)s?$/.exec(one('TimeoutStopSec'))?.[1])
    // Patchbay's own shutdown bound (PATCHBAY_SHUTDOWN_TIMEOUT_MS, 10 s) must fit inside systemd's.
    expect(timeoutStop).toBeGreaterThanOrEqual(20)
    const signal = one('KillSignal') as NodeJS.Signals
    expect(['SIGTERM', 'SIGINT']).toContain(signal)
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-unit-'))
    const [, bin] = one('ExecStart').split(' ')
    const key = (await execFileAsync(process.execPath, [cli, 'keys', 'generate'])).stdout.trim()
    const port = await freePort()
    // The machine's node (the unit names /usr/bin/node; the test runs on whichever Node built the checkout),
    // /opt/patchbay as this checkout, the state directory as a temporary one, the EnvironmentFile's settings.
    const child = spawn(process.execPath, [(bin as string).replace(installDir(), root), 'start'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        ...environment,
        PATCHBAY_DATA_DIR: dir,
        PATCHBAY_PORT: String(port),
        PATCHBAY_ENCRYPTION_KEYS: key,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      let ready = false
      for (let i = 0; i < 100 && !ready && child.exitCode === null; i++) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
        if (!ready) await new Promise((r) => setTimeout(r, 200))
      }
      expect(ready, output).toBe(true)
      expect(existsSync(join(dir, 'patchbay.sqlite'))).toBe(true)
    } finally {
      child.kill(signal)
    }
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), timeoutStop * 1000))])
    rmSync(dir, { recursive: true, force: true })
    expect(code, output).toBe(0)
    expect(output).toContain('shutting down')
  }, 60_000)
})

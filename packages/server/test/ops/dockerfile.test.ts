import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { validate } from 'dockerfile-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuildResult, buildOutsideDocker, containerEnv, contextFiles, hostPath } from './docker-build.js'

const execFileAsync = promisify(execFile)
const root = new URL('../../../../', import.meta.url).pathname
const dockerfile = join(root, 'Dockerfile')
/**
 * npm ci from an empty node_modules (better-sqlite3 compiled from source), then the build: about 4
 * minutes alone on two cores, 10 beside the rest of the suite.
 */
const BUILD_MS = 25 * 60_000

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

function seconds(value: string | undefined, fallback: number): number {
  const match = /^(\d+)s$/.exec(value ?? '')
  return match ? Number(match[1]) : fallback
}

/**
 * The Dockerfile (docs/operations.md, "Running in a container"), built without Docker: its stages'
 * COPY and RUN steps are run here (test/ops/docker-build.ts), then the final stage is started with
 * its ENV and CMD, checked with its HEALTHCHECK command and stopped with its STOPSIGNAL. A step that
 * breaks (npm ci, the build, the prune, a file the image lacks) fails this test.
 */
describe('Dockerfile', () => {
  let work: string
  let build: BuildResult

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'patchbay-image-'))
    build = await buildOutsideDocker(dockerfile, root, work)
  }, BUILD_MS)
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('has no problem dockerfile-utils reports', () => {
    expect(validate(readFileSync(dockerfile, 'utf8'))).toEqual([])
  })

  it('sends the build only what it needs (.dockerignore)', () => {
    const files = contextFiles(root)
    expect(files).toContain('package-lock.json')
    expect(files).toContain('packages/server/bin/patchbay.js')
    expect(files).toContain('packages/catalog/apps/github/app.yaml')
    const leaked = files.filter((f) => /(^|\/)(node_modules|dist|\.git|\.patchbay)\//.test(f) || /\.sqlite/.test(f))
    expect(leaked).toEqual([])
  })

  it('builds on a Node version Patchbay supports, with the packages npm ci compiles with', () => {
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node
    for (const stage of build.stages) {
      const major = /^node:(\d+)-/.exec(stage.image)?.[1]
      expect(major, stage.image).toBeDefined()
      expect(engines).toContain(`^${major}.`)
    }
    expect(build.stages[0]?.aptPackages).toEqual(expect.arrayContaining(['python3', 'make', 'g++']))
  })

  it('ships the build without the development dependencies, as a non-root user that owns only the data volume', () => {
    const { final } = build
    expect(existsSync(hostPath(final, 'packages/server/dist/cli.js'))).toBe(true)
    expect(existsSync(hostPath(final, 'packages/connect/dist/patchbay-connect.umd.js'))).toBe(true)
    expect(existsSync(hostPath(final, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true)
    // (typescript stays: an optional peer of graphile-worker's cosmiconfig, which npm keeps.)
    for (const dev of ['vitest', 'eslint', 'prettier', 'playwright-core']) {
      expect(existsSync(hostPath(final, `node_modules/${dev}`)), dev).toBe(false)
    }
    expect(['', 'root', '0']).not.toContain(final.user)
    const dataDir = final.env.PATCHBAY_DATA_DIR as string
    expect(final.volumes).toEqual([dataDir])
    expect(final.chowned.get(dataDir)?.split(':')[0]).toBe(final.user)
    expect(final.exposed).toEqual([final.env.PATCHBAY_PORT])
    expect(final.stopSignal).toBe('SIGTERM')
  })

  it('starts with its CMD and ENV, answers its HEALTHCHECK, and stops on its STOPSIGNAL', async () => {
    const { final } = build
    const cmd = final.cmd as string[]
    const check = final.healthcheck
    expect(cmd[0]).toBe('node')
    expect(check?.command[0]).toBe('node')
    const cwd = hostPath(final, '.')
    // The image's own key generator, as docs/operations.md tells operators to use it.
    const base = containerEnv(final)
    const key = (await execFileAsync(process.execPath, [cmd[1] as string, 'keys', 'generate'], { cwd, env: base })).stdout.trim()
    expect(key).toMatch(/^[\w-]+:[A-Za-z0-9+/=]+$/)
    const port = await freePort()
    // `docker run -e …`: the key, and loopback instead of 0.0.0.0 on this shared machine.
    const env = containerEnv(final, {
      PATCHBAY_ENCRYPTION_KEYS: key,
      PATCHBAY_HOST: '127.0.0.1',
      PATCHBAY_PORT: String(port),
      PATCHBAY_DATA_DIR: hostPath(final, final.env.PATCHBAY_DATA_DIR as string),
    })
    const server: ChildProcess = spawn(process.execPath, cmd.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)))
    try {
      // Docker runs the check every interval; failures during the start period do not count.
      const deadline = Date.now() + (seconds(check?.flags['start-period'], 0) + seconds(check?.flags.timeout, 30)) * 1000
      let healthy = false
      while (!healthy && Date.now() < deadline && server.exitCode === null) {
        healthy = await execFileAsync(process.execPath, (check?.command ?? []).slice(1), { env, timeout: 5_000 }).then(
          () => true,
          () => false,
        )
        if (!healthy) await new Promise((r) => setTimeout(r, 300))
      }
      expect(healthy, output).toBe(true)
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
      expect(ready.status).toBe(200)
      // The embedded database is in the volume.
      expect(existsSync(join(env.PATCHBAY_DATA_DIR as string, 'patchbay.sqlite'))).toBe(true)
    } finally {
      server.kill(final.stopSignal as NodeJS.Signals)
    }
    // docker stop waits 10 s before SIGKILL; Patchbay exits 0 once it has shut down.
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000))])
    expect(code, output).toBe(0)
    expect(output).toContain('shutting down')
  }, 60_000)
})

import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { listeningUrl } from './listening-url.js'
import type { TestServer } from './test-server.js'

const execFileAsync = promisify(execFile)

const cli = new URL('../../dist/cli.js', import.meta.url).pathname

export interface SecondProcess {
  url: string
  child: ChildProcess
  /** Everything the process printed so far (its log lines). */
  output(): string
  /** SIGKILL: no shutdown, no cleanup, as in a crash. */
  kill9(): Promise<void>
  stop(): Promise<void>
}

/** The environment that points a Patchbay process at a test server's database (PostgreSQL schema or SQLite file). */
function databaseEnvOf(t: TestServer): { env: Record<string, string>; base: NodeJS.ProcessEnv } {
  if (!existsSync(cli)) throw new Error('packages/server/dist/cli.js is missing: run `npm run build` (npm test does it first)')
  const { DATABASE_URL: _ignored, ...base } = process.env
  const databaseUrl = t.config.databaseUrl
    ? `${t.config.databaseUrl}${t.config.databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${t.pgSchema}`)}`
    : undefined
  if (!databaseUrl && t.dataDir === ':memory:') throw new Error('another process needs a persistent SQLite test server')
  return {
    base,
    env: {
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      PATCHBAY_DATA_DIR: t.dataDir,
      PATCHBAY_ENCRYPTION_KEYS: t.config.encryptionKeys.join(','),
      PATCHBAY_LOG_LEVEL: 'warn',
    },
  }
}

/** Runs one `patchbay` CLI command, as an operator would, on a test server's database. */
export async function runCli(
  t: TestServer,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { env, base } = databaseEnvOf(t)
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [cli, ...args], { env: { ...base, ...env, ...extraEnv } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/**
 * Starts another Patchbay *process* (the built CLI) on the same database as a test server: same
 * PostgreSQL schema or same SQLite file, same encryption key, so the two serve the same partner.
 */
export async function startSecondProcess(t: TestServer, env: Record<string, string> = {}): Promise<SecondProcess> {
  const { env: databaseEnv, base } = databaseEnvOf(t)
  // The same custom apps and action modules as the test server (they come from its config, not the database).
  const configFile = join(mkdtempSync(join(tmpdir(), 'patchbay-second-')), 'patchbay.json')
  writeFileSync(configFile, JSON.stringify({ apps: t.config.apps, actionModules: t.config.actionModules }))
  const child = spawn(process.execPath, [cli, 'start'], {
    env: {
      ...base,
      ...databaseEnv,
      PATCHBAY_PORT: '0',
      PATCHBAY_LOG_LEVEL: 'info',
      PATCHBAY_OUTBOUND_ALLOW_PRIVATE: t.config.outbound.allowPrivateRanges.join(','),
      PATCHBAY_REFRESH_SWEEP: '0',
      PATCHBAY_REFRESH_LEASE: String(t.config.refresh.leaseSeconds),
      PATCHBAY_CONFIG: configFile,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { url, output } = await listeningUrl(child, 'second process')
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    url,
    child,
    output,
    async kill9() {
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

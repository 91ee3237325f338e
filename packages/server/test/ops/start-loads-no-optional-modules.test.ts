import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { listeningUrl } from '../helpers/listening-url.js'

/**
 * What the built server loads to answer its first request on the embedded database (docs/operations.md,
 * "Sizing"): the modules only some configurations or requests need are loaded when first used, not at
 * start. The process is preloaded with fixtures/module-trace.mjs, which records every module loaded.
 */
const bin = new URL('../../bin/patchbay.js', import.meta.url).pathname
const cli = new URL('../../dist/cli.js', import.meta.url).pathname
const trace = new URL('./fixtures/module-trace.mjs', import.meta.url).pathname
if (!existsSync(cli)) throw new Error('packages/server/dist/cli.js is missing: run `npm run build` (npm test does it first)')

/** Packages each named with why start does without them. */
const DEFERRED: Record<string, string> = {
  pg: 'PostgreSQL only (DATABASE_URL)',
  'graphile-worker': 'the PostgreSQL runner only',
  'prom-client': 'metrics on only',
  '@modelcontextprotocol/server': 'the first /mcp request',
  zod: 'the MCP SDK',
  undici: 'the first outbound call',
  '@fastify/swagger': 'the first /openapi.json or /docs request',
  '@fastify/swagger-ui': 'the first /docs request',
  yaml: 'a YAML config file, or a catalog the build did not precompile',
}

let child: ChildProcess | undefined
let dir: string | undefined
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM')
    await new Promise((done) => child?.once('exit', done))
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Starts the built server, waits for a 200 from /healthz and returns the packages loaded by then (and every file URL). */
async function packagesLoaded(env: Record<string, string> = {}): Promise<Set<string> & { files: string[] }> {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-modules-'))
  const out = join(dir, 'modules.txt')
  const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATCHBAY_') && k !== 'DATABASE_URL'))
  const started = spawn(process.execPath, ['--import', trace, bin, 'start', '--dev'], {
    env: { ...childEnv, PATCHBAY_DATA_DIR: dir, PATCHBAY_HOST: '127.0.0.1', PATCHBAY_PORT: '0', MODULE_TRACE_FILE: out, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child = started
  const { url } = await listeningUrl(started)
  const res = await fetch(`${url}/healthz`)
  expect(res.status).toBe(200)
  started.kill('SIGUSR2')
  for (let i = 0; i < 100 && !existsSync(out); i++) await new Promise((done) => setTimeout(done, 50))
  const files = readFileSync(out, 'utf8').split('\n')
  const packages = Object.assign(new Set<string>(), { files })
  for (const file of files) {
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]
    if (name) packages.add(name)
  }
  return packages
}

describe('start on the embedded database', () => {
  it('loads none of the modules a first request does not need', async () => {
    const packages = await packagesLoaded()
    // The trace sees what start does load, ES modules and CommonJS alike: what is left outside the
    // bundle (scripts/bundle-cli.mjs) comes from node_modules; Fastify and TypeBox are in the bundle.
    expect(packages).toContain('better-sqlite3')
    expect(packages).not.toContain('fastify')
    expect(packages).not.toContain('@sinclair/typebox')
    // The catalog's action modules come from the bundle: the folder is what the build read.
    expect(packages.files.filter((file) => file.includes('/catalog/dist/apps/'))).toEqual([])
    expect(
      Object.keys(DEFERRED).filter((name) => packages.has(name)),
      'loaded at start',
    ).toEqual([])
    // Node's bundled fetch, which an ES module import of node:http loads on Node 24: the bundle takes
    // Node's modules with require (scripts/bundle-cli.mjs).
    expect(packages.files).toContain('builtin:http')
    expect(packages.files).not.toContain('builtin:internal/deps/undici/undici')
  })

  it('loads prom-client when metrics are on', async () => {
    const packages = await packagesLoaded({ PATCHBAY_METRICS_TOKEN: 'module-trace-metrics-token' })
    expect(packages).toContain('prom-client')
    expect(packages).not.toContain('pg')
  })
})

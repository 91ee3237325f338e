// A Patchbay process for the runs and MCP benchmarks (bench/runs.mjs, bench/mcp.mjs): a partner, an
// API-key app whose no-op action calls nothing, and an end user with a connection.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchApiApp, benchPartner, exchangeToken } from './bench-partner.mjs'
import { fail, freePort } from './harness.mjs'

const here = dirname(fileURLToPath(import.meta.url))
// BENCH_SERVER_CLI: another build's cli.js, for A/B comparisons in one session.
const cli = process.env.BENCH_SERVER_CLI ?? join(here, '../../packages/server/dist/cli.js')

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** Writes the config (partner, app, the no-op action) once per database; returns how to start processes on it. */
export function setup(databaseUrl, { cleanups, concurrency }) {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-runs-'))
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
  const bench = benchPartner()
  const { clientSecret } = bench
  // bench/mcp.mjs: the no-op action as a direct MCP tool.
  const partner = { ...bench.config, toolsets: { bench: { mode: 'direct', actions: ['benchapi.noop'] } } }
  const app = benchApiApp('http://127.0.0.1:9/api', 'An app for the runs benchmark (its action calls nothing)')
  const configFile = join(dir, 'patchbay.json')
  writeFileSync(configFile, JSON.stringify({ partners: [partner], apps: [app], actionModules: [join(here, 'noop-actions.mjs')] }))
  const start = async (extra = {}, nodeArgs = []) => {
    const port = await freePort()
    const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATCHBAY_') && k !== 'DATABASE_URL'))
    Object.assign(childEnv, {
      PATCHBAY_CONFIG: configFile,
      PATCHBAY_HOST: '127.0.0.1',
      PATCHBAY_PORT: String(port),
      PATCHBAY_DATA_DIR: join(dir, 'data'),
      PATCHBAY_LOG_LEVEL: 'warn',
      PATCHBAY_DEV: 'true',
      PATCHBAY_RATE_LIMIT_TOKEN_PER_IP: '1000000000',
      PATCHBAY_RATE_LIMIT_TOKEN_PER_CLIENT: '1000000000',
      PATCHBAY_MCP_REQUESTS_PER_WINDOW: '1000000000',
      PATCHBAY_OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8',
      PATCHBAY_WEBHOOKS_DISPATCH: 'false',
      PATCHBAY_RUNS_CONCURRENCY: String(concurrency),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...extra,
    })
    const child = spawn(process.execPath, [...nodeArgs, cli, 'start'], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] })
    let output = ''
    child.stderr.on('data', (c) => (output = (output + c).slice(-4000)))
    const exited = new Promise((done) => child.once('exit', done))
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    }
    cleanups.push(stop)
    const url = `http://127.0.0.1:${port}`
    const deadline = Date.now() + 30_000
    for (;;) {
      if (child.exitCode !== null) fail(`Patchbay did not start:\n${output}`)
      try {
        if ((await fetch(`${url}/readyz`)).ok) break
      } catch {}
      if (Date.now() > deadline) fail(`Patchbay was not ready within 30s:\n${output}`)
      await new Promise((done) => setTimeout(done, 100))
    }
    return { url, stop, pid: child.pid }
  }
  /** An access token for the benchmark's end user; `params` adds exchange parameters (e.g. `resource` for /mcp). */
  const token = (url, params = {}) => exchangeToken(url, bench, params)
  const user = async (url) => {
    const auth = { authorization: `Bearer ${await token(url)}`, 'content-type': 'application/json' }
    const existing = await (await fetch(`${url}/v1/connections?app=benchapi`, { headers: auth })).json()
    let connectionId = existing.data?.[0]?.id
    if (!connectionId) {
      const created = await fetch(`${url}/v1/connections`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ app: 'benchapi', credentials: { api_key: 'bench' } }),
      })
      const connection = await created.json()
      if (created.status !== 201) fail(`POST /v1/connections answered ${created.status} ${JSON.stringify(connection)}`)
      connectionId = connection.id
    }
    return { auth, connectionId }
  }
  return { start, user, token, clientId: 'bench', clientSecret, dataDir: join(dir, 'data') }
}

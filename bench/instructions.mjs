#!/usr/bin/env node
/**
 * Instructions per request: what the server's main thread executes for one `GET /v1/me` (authenticated,
 * no database read) and one `GET /v1/connections` (the listing), against a Fastify hello route in the
 * same run. Each server runs under valgrind's callgrind, which counts instructions instead of timing
 * them: the count does not move with the machine's other tenants, so a change of a few per cent shows
 * (BENCHMARKS.md, "Instructions per request"). V8's compiler threads are counted apart
 * (`--separate-threads=yes`) and left out; requests go one at a time over one keep-alive connection.
 * Run it on an otherwise idle machine: under load V8 optimizes later, and the counts rise.
 *
 *   npm run build && node bench/instructions.mjs
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/patchbay_dev node bench/instructions.mjs
 *
 * Settings (environment): BENCH_REQUESTS (counted requests per route, 2000), BENCH_WARMUP (requests
 * before counting, 3000), BENCH_ROUNDS (starts of each server, the lowest count kept, 2), BENCH_DBS
 * (sqlite,postgres; postgres needs DATABASE_URL), BENCH_SERVER_CLI (another build's cli.js),
 * BENCH_TIMEOUT (s, whole script, 1200). Needs `valgrind` (Debian's package).
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchApiApp, benchPartner, exchangeToken } from './lib/bench-partner.mjs'
import { fail, freePort, guard, list, newPostgresDatabase, positive } from './lib/harness.mjs'

const env = process.env
const here = dirname(fileURLToPath(import.meta.url))
const cli = resolve(env.BENCH_SERVER_CLI ?? join(here, '../packages/server/dist/cli.js'))
const settings = {
  requests: positive(env.BENCH_REQUESTS, 2000),
  warmup: positive(env.BENCH_WARMUP, 3000),
  rounds: positive(env.BENCH_ROUNDS, 2),
  dbs: list(env.BENCH_DBS, env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite']),
}
const { cleanups, cleanup, abort } = guard('instructions bench', positive(env.BENCH_TIMEOUT, 1200))

async function main() {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
  } catch {
    fail('valgrind is not installed (apt-get install -y valgrind)')
  }
  if (settings.dbs.includes('postgres') && !env.DATABASE_URL) fail('BENCH_DBS includes postgres: set DATABASE_URL')
  console.log(
    `instructions bench: Node ${process.version}, ${settings.requests} counted requests per route after ${settings.warmup}, ${settings.rounds} starts per server`,
  )

  // Each server is started `rounds` times and its lowest count kept: now and then a process's V8 settles
  // on slower code for good (up to 30 % more here), which a second start seldom repeats.
  const hello = await lowest(settings.rounds, () => counted('hello', startHello))
  const rows = [{ db: '-', target: 'hello', perRequest: hello.hello, rounds: hello.rounds.hello }]
  for (const db of settings.dbs) {
    const patchbay = await lowest(settings.rounds, async () => {
      const databaseUrl = db === 'postgres' ? await newPostgresDatabase(env.DATABASE_URL, cleanups) : undefined
      return counted(`patchbay, ${db}`, (spawnUnder) => startPatchbay(databaseUrl, spawnUnder))
    })
    for (const target of ['me', 'list']) rows.push({ db, target, perRequest: patchbay[target], rounds: patchbay.rounds[target] })
  }

  const table = [
    ['db', 'target', 'instructions / request (lowest)', 'starts', 'hello / target'],
    ...rows.map((r) => [
      r.db,
      r.target,
      r.perRequest.toLocaleString('en-US'),
      r.rounds.map((n) => n.toLocaleString('en-US')).join(' / '),
      (hello.hello / r.perRequest).toFixed(2),
    ]),
  ]
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)))
  for (const [i, row] of table.entries()) {
    console.log(`| ${row.map((cell, j) => cell.padEnd(widths[j])).join(' | ')} |`)
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  }
  console.log(JSON.stringify({ bench: 'instructions', date: new Date().toISOString(), node: process.version, ...settings, rows }))
}

/** Runs `measure` `rounds` times: the lowest count per route, and every round's. */
async function lowest(rounds, measure) {
  const all = []
  for (let i = 0; i < rounds; i++) all.push(await measure())
  const best = { rounds: {} }
  for (const route of Object.keys(all[0])) {
    best.rounds[route] = all.map((r) => r[route])
    best[route] = Math.min(...best.rounds[route])
  }
  return best
}

/**
 * Starts a server under callgrind (`start` spawns it and answers its port and routes), then per route:
 * warm-up requests, a dump of the counters, the counted requests, another dump. Answers the main
 * thread's instructions per counted request, by route name.
 */
async function counted(name, start) {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-instructions-cg-'))
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
  const server = await start((args, childEnv) => {
    const child = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        '--smc-check=all-non-file',
        '--separate-threads=yes',
        '--dump-instr=no',
        `--callgrind-out-file=${dir}/cg.%p`,
        ...args,
      ],
      { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let output = ''
    const keep = (chunk) => (output = (output + chunk).slice(-4000))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    return { child, output: () => output }
  })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  // callgrind numbers its dumps from 1 (cg.<pid>.<n>-<thread>); the last dump holds the measured requests.
  let dumps = 0
  const dump = () => {
    execFileSync('callgrind_control', ['-d', String(server.child.pid)], { stdio: 'ignore' })
    dumps += 1
    return `${dir}/cg.${server.child.pid}.${dumps}-01`
  }
  const result = {}
  for (const [route, { path, headers }] of Object.entries(server.routes)) {
    const get = () => request(server.port, path, headers, agent)
    for (let i = 0; i < settings.warmup; i++) await get()
    dump()
    for (let i = 0; i < settings.requests; i++) await get()
    const measured = dump()
    result[route] = Math.round(mainThreadInstructions(measured) / settings.requests)
    console.log(`[${name}] ${route}: ${result[route].toLocaleString('en-US')} instructions a request`)
  }
  agent.destroy()
  server.child.kill('SIGKILL')
  return result
}

/** A GET that must answer 200; its body is read and dropped. */
function request(port, path, headers, agent) {
  return new Promise((done, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
        res.resume()
        res.on('end', () => (res.statusCode === 200 ? done() : reject(new Error(`GET ${path} answered ${res.statusCode}`))))
      })
      .on('error', reject)
  })
}

/** The instruction total of one callgrind dump (its `summary:` or `totals:` line). */
function mainThreadInstructions(file) {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('summary:') || l.startsWith('totals:'))
  if (!line) fail(`no totals in ${file}`)
  return Number(line.split(' ')[1])
}

/** The hello server of bench/lib/proxy-servers.mjs under callgrind, once it prints its port. */
async function startHello(spawnUnder) {
  const { child, output } = spawnUnder([process.execPath, join(here, 'lib/proxy-servers.mjs'), 'hello'], process.env)
  const port = await new Promise((done, reject) => {
    let text = ''
    child.stdout.on('data', (chunk) => {
      text += chunk
      const m = /READY (\d+)/.exec(text)
      if (m) done(Number(m[1]))
    })
    child.once('exit', () => reject(new Error(`the hello server exited:\n${output()}`)))
  })
  return { child, port, routes: { hello: { path: '/hello', headers: {} } } }
}

/** Patchbay (built cli.js) under callgrind with a throw-away data folder, one end user and one connection. */
async function startPatchbay(databaseUrl, spawnUnder) {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-instructions-'))
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
  const partner = benchPartner()
  const app = benchApiApp('http://127.0.0.1:9/api', 'An API-key app the listing shows (never called)')
  writeFileSync(join(dir, 'patchbay.json'), JSON.stringify({ partners: [partner.config], apps: [app] }))
  const port = await freePort()
  const childEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('PATCHBAY_') && k !== 'DATABASE_URL'))
  Object.assign(childEnv, {
    PATCHBAY_CONFIG: join(dir, 'patchbay.json'),
    PATCHBAY_HOST: '127.0.0.1',
    PATCHBAY_PORT: String(port),
    PATCHBAY_DATA_DIR: join(dir, 'data'),
    PATCHBAY_LOG_LEVEL: 'warn',
    PATCHBAY_DEV: 'true',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  })
  const { child, output } = spawnUnder([process.execPath, cli, 'start'], childEnv)
  const url = `http://127.0.0.1:${port}`
  // Start-up under callgrind takes tens of seconds.
  const deadline = Date.now() + 300_000
  for (;;) {
    if (child.exitCode !== null) fail(`Patchbay did not start:\n${output()}`)
    try {
      if ((await fetch(`${url}/readyz`)).ok) break
    } catch {}
    if (Date.now() > deadline) fail(`Patchbay was not ready within 300s:\n${output()}`)
    await new Promise((done) => setTimeout(done, 500))
  }
  const accessToken = await exchangeToken(url, partner)
  const headers = { authorization: `Bearer ${accessToken}` }
  const created = await fetch(`${url}/v1/connections`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ app: 'benchapi', credentials: { api_key: 'sk_bench_instructions' } }),
  })
  if (created.status !== 201) fail(`POST /v1/connections answered ${created.status} ${await created.text()}`)
  return { child, port, routes: { me: { path: '/v1/me', headers }, list: { path: '/v1/connections', headers } } }
}

main()
  .then(cleanup)
  .catch((err) => abort(err.stack ?? String(err)))

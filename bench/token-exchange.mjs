#!/usr/bin/env node
/**
 * Token-exchange throughput: POST /oauth/token (RFC 8693, partner JWT -> access token) under load,
 * against a bare `jose` jwtVerify loop measured in the same run, for ES256 and RS256, on SQLite and
 * (when DATABASE_URL is set) PostgreSQL. Prints a table, a JSON line, and the ratio
 * exchange req/s ÷ bare verify ops/s (target: at least 0.5).
 *
 *   npm run build && node bench/token-exchange.mjs
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/patchbay_dev node bench/token-exchange.mjs
 *
 * Settings (environment): BENCH_DURATION (s per counted run, 10), BENCH_RUNS (2), BENCH_WARMUP (s, 3),
 * BENCH_CONNECTIONS (20), BENCH_VERIFY_SECONDS (3), BENCH_ALGS (ES256,RS256), BENCH_DBS (sqlite,postgres),
 * BENCH_USERS (distinct end users, 1000), BENCH_CPU_PROF (folder: the server child runs with --cpu-prof),
 * BENCH_TIMEOUT (s, whole script, 900), BENCH_SERVER_CLI (another server build's cli.js, for A/B comparisons).
 *
 * The server runs as a child process (its own event loop); the load generator (autocannon) and the
 * verify loop run in this process. Every request carries a freshly signed JWT (jti is single use);
 * tokens are signed before each run by worker threads, while the server is idle.
 *
 * One file on purpose (over 400 lines): a benchmark is read top to bottom as one experiment (the
 * servers it starts, the load, the figures it prints).
 */
import { spawn } from 'node:child_process'
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { fail, freePort, guard, list, newPostgresDatabase, positive } from './lib/harness.mjs'

const ISSUER = 'https://bench.partner.example'
const AUDIENCE = 'patchbay-bench'
const TOKEN_LIFETIME = 1800
const CLOCK_SKEW = 30
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
const TICKS_PER_SECOND = 100 // USER_HZ: the unit of /proc/<pid>/stat times on Linux
const BODY_PREFIX = `grant_type=${encodeURIComponent(GRANT)}&subject_token_type=${encodeURIComponent(JWT_TYPE)}&subject_token=`

// ---------------------------------------------------------------------------------------------
// Signing (also the worker-thread entry point: this same file runs as the signer)

function b64url(text) {
  return Buffer.from(text).toString('base64url')
}

function signTokens({ alg, pem, kid, from, count, users }) {
  const key = createPrivateKey(pem)
  const signKey = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key
  const header = b64url(JSON.stringify({ alg, kid, typ: 'JWT' }))
  const now = Math.floor(Date.now() / 1000)
  const out = new Array(count)
  for (let i = 0; i < count; i++) {
    const n = from + i
    const payload = b64url(
      JSON.stringify({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: `user-${n % users}`,
        org: `org-${n % 50}`,
        iat: now,
        exp: now + TOKEN_LIFETIME,
        jti: randomUUID(),
      }),
    )
    const input = `${header}.${payload}`
    out[i] = `${input}.${sign('sha256', Buffer.from(input), signKey).toString('base64url')}`
  }
  return out
}

if (!isMainThread) {
  parentPort.postMessage(signTokens(workerData))
} else {
  await main()
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  // BENCH_SERVER_CLI: another build of the server to compare (A/B); the workspace build by default.
  const cli = process.env.BENCH_SERVER_CLI ? resolve(process.env.BENCH_SERVER_CLI) : join(root, 'packages/server/dist/cli.js')
  if (!existsSync(cli)) {
    console.error(`token-exchange bench: ${cli} is missing; run \`npm run build\` first.`)
    process.exit(2)
  }
  const { default: autocannon } = await import('autocannon')
  const { createLocalJWKSet, jwtVerify } = await import('jose')
  const { hashSecret, randomToken } = await import(join(root, 'packages/server/dist/lib/random.js'))

  const env = process.env
  const settings = {
    duration: positive(env.BENCH_DURATION, 10),
    runs: positive(env.BENCH_RUNS, 2),
    warmup: positive(env.BENCH_WARMUP, 3),
    connections: positive(env.BENCH_CONNECTIONS, 20),
    verifySeconds: positive(env.BENCH_VERIFY_SECONDS, 3),
    users: positive(env.BENCH_USERS, 1000),
    algs: list(env.BENCH_ALGS, ['ES256', 'RS256']),
    dbs: list(env.BENCH_DBS, env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite']),
    timeout: positive(env.BENCH_TIMEOUT, 900),
  }
  for (const alg of settings.algs) if (alg !== 'ES256' && alg !== 'RS256') fail(`BENCH_ALGS: unsupported ${alg}`)
  if (settings.dbs.includes('postgres') && !env.DATABASE_URL) fail('BENCH_DBS includes postgres but DATABASE_URL is not set')

  const { cleanups, cleanup } = guard('token-exchange bench', settings.timeout)

  // One partner with one ES256 and one RS256 key, declared inline in the config file.
  const keys = {
    ES256: newKey('ES256', 'ec', { namedCurve: 'P-256' }),
    RS256: newKey('RS256', 'rsa', { modulusLength: 2048 }),
  }
  const jwks = { keys: Object.values(keys).map((k) => k.publicJwk) }
  const clientSecret = randomToken('pbcs_')
  const partner = {
    id: 'bench',
    name: 'Benchmark partner',
    jwks,
    algorithms: ['ES256', 'RS256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    userClaim: 'sub',
    tenantClaim: 'org',
    clientId: 'bench',
    clientSecretHash: hashSecret(clientSecret),
  }
  const authorization = `Basic ${Buffer.from(`bench:${clientSecret}`).toString('base64')}`
  const verifyOptions = {
    algorithms: partner.algorithms,
    issuer: ISSUER,
    audience: AUDIENCE,
    clockTolerance: CLOCK_SKEW,
    requiredClaims: ['exp', 'jti'],
  }

  const cpuCount = availableParallelism()
  console.log(
    `token-exchange bench: ${cpuCount} cores (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, ` +
      `${settings.runs} x ${settings.duration}s runs after ${settings.warmup}s warm-up, ${settings.connections} connections, ` +
      `dbs ${settings.dbs.join(',')}, algs ${settings.algs.join(',')}`,
  )

  let tokenCounter = 0
  async function signPool(alg, count) {
    const key = keys[alg]
    const from = tokenCounter
    tokenCounter += count
    const job = { alg, pem: key.pem, kid: key.kid, users: settings.users }
    if (count < 2000) return signTokens({ ...job, from, count })
    const parts = Math.max(1, cpuCount)
    const per = Math.ceil(count / parts)
    const chunks = await Promise.all(
      Array.from({ length: parts }, (_, i) => {
        const n = Math.min(per, count - i * per)
        if (n <= 0) return []
        return new Promise((done, reject) => {
          const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { ...job, from: from + i * per, count: n } })
          worker.once('message', done)
          worker.once('error', reject)
        })
      }),
    )
    return chunks.flat()
  }

  async function verifyRate(alg) {
    const tokens = await signPool(alg, 2000)
    const getKey = createLocalJWKSet(jwks)
    let i = 0
    const warmEnd = performance.now() + 500
    while (performance.now() < warmEnd) await jwtVerify(tokens[i++ % tokens.length], getKey, verifyOptions)
    let n = 0
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    const end = start + settings.verifySeconds * 1000
    while (performance.now() < end) {
      await jwtVerify(tokens[i++ % tokens.length], getKey, verifyOptions)
      n++
    }
    const cpu = process.cpuUsage(cpuStart)
    return { rate: n / ((performance.now() - start) / 1000), cpuUs: Math.round((cpu.user + cpu.system) / n) }
  }

  function load(url, tokens, seconds, serverPid) {
    const cpuBefore = cpuSnapshot(serverPid)
    let next = 0
    let exhausted = false
    let instance
    return new Promise((done, reject) => {
      instance = autocannon(
        {
          url: `${url}/oauth/token`,
          method: 'POST',
          connections: settings.connections,
          duration: seconds,
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
          requests: [
            {
              setupRequest(req) {
                if (next >= tokens.length) {
                  if (!exhausted) {
                    exhausted = true
                    setImmediate(() => instance?.stop())
                  }
                  next = 0
                }
                req.body = BODY_PREFIX + tokens[next++]
                return req
              },
            },
          ],
        },
        (err, result) => (err ? reject(err) : done({ result, exhausted, cpu: cpuSpent(cpuBefore, cpuSnapshot(serverPid)) })),
      )
    })
  }

  function summarize(result, cpu) {
    const seconds = (result.finish - result.start) / 1000
    const perRequest = (ms) => (cpu && result['2xx'] ? Math.round((ms * 1000) / result['2xx']) : undefined)
    return {
      serverCpuUs: perRequest(cpu?.server),
      loadgenCpuUs: perRequest(cpu?.loadgen),
      machineBusy: cpu?.machineBusy,
      rps: result['2xx'] / seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      seconds,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
    }
  }

  const rows = []
  let failed = false
  try {
    for (const db of settings.dbs) {
      const target = db === 'postgres' ? await newPostgresDatabase(env.DATABASE_URL, cleanups) : undefined
      const server = await startChild({ cli, partner, databaseUrl: target, cleanups, cpuProfDir: env.BENCH_CPU_PROF })
      console.log(`\n[${db}] server pid ${server.pid} on ${server.url}`)
      for (const alg of settings.algs) {
        await sanityCheck(server.url, authorization, (await signPool(alg, 1))[0])
        // The baseline is measured before the first counted run and after every one (the best is used):
        // on a shared machine one 3-second loop can land on a busy moment.
        const verifies = []
        const measureVerify = async () => {
          const v = await verifyRate(alg)
          verifies.push(v)
          console.log(`[${db} ${alg}] bare jose verify: ${fmt(v.rate)} ops/s, ${v.cpuUs} us CPU per verify`)
        }
        await measureVerify()

        // Warm-up: sized on a guess; it stops early if it runs out of tokens. Its rate sizes the counted pools.
        const warm = await load(server.url, await signPool(alg, Math.ceil(settings.warmup * 4000)), settings.warmup)
        const warmRate = summarize(warm.result).rps
        console.log(
          `[${db} ${alg}] warm-up: ${fmt(warmRate)} req/s` +
            (warm.result.non2xx ? `, ${warm.result.non2xx} non-2xx ${JSON.stringify(summarize(warm.result).statusCodes)}` : '') +
            (warm.exhausted ? ' (token pool ran out, stopped early)' : ''),
        )
        // The warm-up rate is low (JIT, first connections): the first pool gets more headroom than later ones
        // (a pool that runs out stops the run, which is then done again with a bigger one).
        let expected = Math.max(2500, warmRate * 2)

        const runs = []
        for (let run = 1; run <= settings.runs; run++) {
          let outcome
          for (let attempt = 0; attempt < 3; attempt++) {
            const pool = await signPool(alg, Math.ceil(expected * settings.duration * 1.5) + settings.connections * 4)
            outcome = await load(server.url, pool, settings.duration, server.pid)
            const partial = summarize(outcome.result)
            // Failed requests use up tokens too: that is a failure to report below, not a pool to grow.
            outcome.failing = partial.non2xx + partial.errors + partial.timeouts > 0
            if (!outcome.exhausted || outcome.failing) break
            expected = Math.max(expected * 2, partial.rps * 2)
            console.log(`[${db} ${alg}] run ${run}: token pool ran out, signing a bigger one and running again`)
          }
          if (outcome.exhausted && !outcome.failing) fail('the token pool kept running out')
          const s = summarize(outcome.result, outcome.cpu)
          expected = Math.max(expected, s.rps)
          runs.push(s)
          console.log(
            `[${db} ${alg}] run ${run}: ${fmt(s.rps)} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, non-2xx ${s.non2xx}, ` +
              `errors ${s.errors}, timeouts ${s.timeouts}` +
              (s.serverCpuUs === undefined
                ? ''
                : ` | CPU per request: server ${s.serverCpuUs} us, load generator ${s.loadgenCpuUs} us; machine ${s.machineBusy}% busy`),
          )
          if (s.non2xx || s.errors || s.timeouts) {
            failed = true
            console.error(`[${db} ${alg}] run ${run} FAILED: status codes ${JSON.stringify(s.statusCodes)}`)
          }
          await measureVerify()
        }
        const verify = Math.max(...verifies.map((v) => v.rate))
        const verifyCpuUs = Math.min(...verifies.map((v) => v.cpuUs))
        const best = runs.reduce((a, b) => (b.rps > a.rps ? b : a))
        rows.push({
          db,
          alg,
          rps: Math.round(best.rps),
          rpsRuns: runs.map((r) => Math.round(r.rps)),
          p50: best.p50,
          p99: best.p99,
          non2xx: runs.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
          verify: Math.round(verify),
          verifyRuns: verifies.map((v) => Math.round(v.rate)),
          ratio: Number((best.rps / verify).toFixed(3)),
          serverCpuUsPerRequest: runs.some((r) => r.serverCpuUs !== undefined)
            ? Math.min(...runs.map((r) => r.serverCpuUs ?? Number.POSITIVE_INFINITY))
            : null,
          verifyCpuUs,
          // CPU per bare verify / server CPU per exchange: the ratio the server would reach with a core to itself.
          cpuRatio: runs.some((r) => r.serverCpuUs)
            ? Number((verifyCpuUs / Math.min(...runs.map((r) => r.serverCpuUs ?? Number.POSITIVE_INFINITY))).toFixed(3))
            : null,
          machineBusy: runs.map((r) => r.machineBusy),
        })
      }
      await server.stop()
    }
  } catch (err) {
    console.error(`token-exchange bench: ${err.message}`)
    await cleanup()
    process.exit(1)
  }

  printTable(rows)
  const target = 0.5
  const below = rows.filter((r) => r.ratio < target)
  console.log(
    below.length
      ? `\ntarget (exchange >= ${target} x bare verify): NOT met for ${below.map((r) => `${r.db}/${r.alg}`).join(', ')}`
      : `\ntarget (exchange >= ${target} x bare verify): met`,
  )
  const summary = JSON.stringify({
    bench: 'token-exchange',
    date: new Date().toISOString(),
    node: process.version,
    cores: cpuCount,
    duration: settings.duration,
    runs: settings.runs,
    connections: settings.connections,
    results: rows,
    ok: !failed,
  })
  console.log(summary)
  // Kept out of git (bench/results/ is ignored): the history of local runs.
  const resultsDir = join(root, 'bench/results')
  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(join(resultsDir, `token-exchange-${new Date().toISOString().replaceAll(':', '-')}.json`), `${summary}\n`)
  await cleanup()
  if (failed) {
    console.error('token-exchange bench: FAILED (non-2xx responses, errors or timeouts in a counted run)')
    process.exit(1)
  }
}

// ---------------------------------------------------------------------------------------------

function newKey(alg, type, options) {
  const { privateKey, publicKey } = generateKeyPairSync(type, options)
  const kid = `bench-${alg.toLowerCase()}`
  return {
    kid,
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  }
}

/** One exchange must succeed and its replay must be refused (jti single use), or the numbers mean nothing. */
async function sanityCheck(url, authorization, token) {
  const post = () =>
    fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: BODY_PREFIX + token,
    })
  const first = await post()
  const body = await first.json()
  if (first.status !== 200 || typeof body.access_token !== 'string') {
    fail(`sanity check: exchange answered ${first.status} ${JSON.stringify(body)}`)
  }
  const replay = await post()
  const replayBody = await replay.json()
  if (replay.status !== 400 || replayBody.error !== 'invalid_grant') {
    fail(`sanity check: a replayed token answered ${replay.status} ${JSON.stringify(replayBody)} (expected 400 invalid_grant)`)
  }
}

async function startChild({ cli, partner, databaseUrl, cleanups, cpuProfDir }) {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-'))
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
  const configFile = join(dir, 'patchbay.json')
  writeFileSync(configFile, JSON.stringify({ partners: [partner] }))
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
    PATCHBAY_OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  })
  const nodeArgs = []
  if (cpuProfDir) {
    mkdirSync(cpuProfDir, { recursive: true })
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfDir)}`)
  }
  const child = spawn(process.execPath, [...nodeArgs, cli, 'start'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  const output = []
  const keep = (chunk) => {
    output.push(chunk.toString())
    if (output.length > 50) output.shift()
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let exited = false
  let stopped = false
  const exit = new Promise((done) =>
    child.once('exit', (code, signal) => {
      exited = true
      done({ code, signal })
    }),
  )
  const stop = async () => {
    stopped = true
    if (exited) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exit
    clearTimeout(timer)
  }
  cleanups.push(stop)
  exit.then(({ code, signal }) => {
    if (!stopped) console.error(`server child exited (code ${code}, signal ${signal}):\n${output.join('')}`)
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited) fail(`the server did not start:\n${output.join('')}`)
    try {
      const res = await fetch(`${url}/readyz`)
      if (res.ok) break
    } catch {}
    if (Date.now() > deadline) {
      await stop()
      fail(`the server was not ready within 30s:\n${output.join('')}`)
    }
    await new Promise((done) => setTimeout(done, 100))
  }
  return { pid: child.pid, url, stop }
}

/** CPU time (ms) of the server child, of this process, and of the whole machine (Linux /proc; undefined elsewhere). */
function cpuSnapshot(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const server = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
    const all = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    const idle = all[3] + all[4]
    const total = all.reduce((a, b) => a + b, 0)
    const own = process.cpuUsage()
    return { server, loadgen: (own.user + own.system) / 1000, idle, total }
  } catch {
    return undefined
  }
}

function cpuSpent(before, after) {
  if (!before || !after) return undefined
  const total = after.total - before.total
  return {
    server: after.server - before.server,
    loadgen: after.loadgen - before.loadgen,
    machineBusy: total > 0 ? Math.round(100 * (1 - (after.idle - before.idle) / total)) : undefined,
  }
}

function printTable(rows) {
  const header = [
    'db',
    'alg',
    'exchange req/s',
    'runs',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'verify ops/s',
    'ratio',
    'CPU us: server/req, verify',
    'CPU ratio',
  ]
  const lines = rows.map((r) => [
    r.db,
    r.alg,
    fmt(r.rps),
    r.rpsRuns.map(fmt).join(' / '),
    String(r.p50),
    String(r.p99),
    String(r.non2xx),
    `${fmt(r.verify)} (${r.verifyRuns.map(fmt).join(' / ')})`,
    r.ratio.toFixed(2),
    `${r.serverCpuUsPerRequest ?? '?'} / ${r.verifyCpuUs}`,
    r.cpuRatio?.toFixed(2) ?? '?',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  const row = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  console.log(`\n${row(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${lines.map(row).join('\n')}`)
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US')
}

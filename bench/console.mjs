#!/usr/bin/env node
/**
 * The operator console's pages (docs/console.md) with 100,000 connections in the database: each page
 * fetched signed in, one at a time, p50 and p99, on SQLite and (when DATABASE_URL is set) PostgreSQL.
 * Baseline measured in the same run, the same way: `GET /healthz`. Target: every page under 100 ms.
 *
 * The data is written straight into the database (a few seconds): 100,000 connections over 10,000 end
 * users (2 % needing reauthorization), 20,000 runs in the last 24 hours (5 % failed), each connection's
 * audit entry, 14 days of hourly status samples.
 *
 *   npm run build && node bench/console.mjs
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/console.mjs
 *
 * Settings (environment): BENCH_CONSOLE_CONNECTIONS (100000), BENCH_CONSOLE_REQUESTS (per page, 50),
 * BENCH_DBS (sqlite,postgres), BENCH_TIMEOUT (s, whole script, 900).
 */
import { cpus } from 'node:os'
import { join } from 'node:path'
import { fail, guard, list, newPostgresDatabase, positive } from './lib/harness.mjs'
import { percentile, setup as serverSetup } from './lib/run-server.mjs'

const env = process.env
const CONNECTIONS = positive(env.BENCH_CONSOLE_CONNECTIONS, 100_000)
const REQUESTS = positive(env.BENCH_CONSOLE_REQUESTS, 50)
const USERS = Math.max(1, Math.floor(CONNECTIONS / 10))
const RUNS = Math.floor(CONNECTIONS / 5)
const dbs = list(env.BENCH_DBS, ['sqlite', 'postgres']).filter((db) => db !== 'postgres' || env.DATABASE_URL)
const { cleanups, cleanup, abort } = guard('console benchmark', positive(env.BENCH_TIMEOUT, 900))

const HOUR = 3600_000

/** One SQL script for both databases: generated rows (a recursive CTE on SQLite, generate_series on PostgreSQL). */
function seedStatements(db, now) {
  const series = (n) =>
    db === 'postgres'
      ? `select g as i from generate_series(1, ${n}) as g`
      : `with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n}) select i from s`
  const cat = (...parts) => parts.join(' || ')
  const text = (expr) => (db === 'postgres' ? `(${expr})::text` : `cast(${expr} as text)`)
  return [
    `insert into end_users (id, partner_id, tenant_id, external_id, created_at, last_seen_at)
       select ${cat("'eu_b'", text('i'))}, 'bench', ${cat("'org-'", text('i % 50'))}, ${cat("'user-'", text('i'))}, ${now - 30 * 24 * HOUR}, ${now}
       from (${series(USERS)}) as s`,
    `insert into connections (id, partner_id, end_user_id, app_key, auth_option, auth_type, status, status_reason, account_identifier,
                              scopes, params, metadata, credentials, expires_at, created_at, updated_at, refreshed_at)
       select ${cat("'conn_b'", text('i'))}, 'bench', ${cat("'eu_b'", text(`(i % ${USERS}) + 1`))}, 'benchapi', 'api_key', 'api_key',
              case when i % 50 = 0 then 'needs_reauth' else 'active' end,
              case when i % 50 = 0 then 'the provider refused the refresh token (invalid_grant)' else null end,
              ${cat("'acct-'", text('i'))}, '[]', '{}', '{}', 'sealed', null, ${now - 20 * 24 * HOUR} + i * 10, ${now}, null
       from (${series(CONNECTIONS)}) as s`,
    `insert into audit_events (id, partner_id, connection_id, end_user_id, app_key, action, actor_type, actor_id, actor_via, detail, at)
       select ${cat("'aud_b'", text('i'))}, 'bench', ${cat("'conn_b'", text('i'))}, ${cat("'eu_b'", text(`(i % ${USERS}) + 1`))}, 'benchapi',
              'created', 'end_user', 'tok_bench', 'token', '{"operation":"creation"}', ${now - 20 * 24 * HOUR} + i * 10
       from (${series(CONNECTIONS)}) as s`,
    `insert into runs (id, partner_id, end_user_id, connection_id, app_key, action_key, action_version, status, attempt, inputs, output, error,
                       request_hash, timeout_ms, created_at, started_at, finished_at, updated_at)
       select ${cat("'run_b'", text('i'))}, 'bench', ${cat("'eu_b'", text(`(i % ${USERS}) + 1`))}, ${cat("'conn_b'", text(`(i % ${CONNECTIONS}) + 1`))},
              'benchapi', 'noop', '1.0.0', case when i % 20 = 0 then 'failed' else 'succeeded' end, 1, '{}',
              case when i % 20 = 0 then null else '{}' end,
              case when i % 20 = 0 then '{"type":"upstream","code":"upstream_error","message":"bench","retryable":false,"attribution":"app"}' else null end,
              'h', 30000, ${now - 24 * HOUR} + i * ${Math.floor((24 * HOUR) / RUNS)}, ${now - 24 * HOUR} + i * ${Math.floor((24 * HOUR) / RUNS)},
              ${now - 24 * HOUR} + i * ${Math.floor((24 * HOUR) / RUNS)} + (i % 40), ${now}
       from (${series(RUNS)}) as s`,
    `insert into connection_status_samples (partner_id, hour, status, count)
       select 'bench', ${Math.floor(now / HOUR) * HOUR} - i * ${HOUR}, 'active', ${CONNECTIONS} - i from (${series(14 * 24)}) as s`,
  ]
}

async function seed(db, databaseUrl, dataDir) {
  const now = Date.now()
  const statements = seedStatements(db, now)
  if (db === 'postgres') {
    const { default: pg } = await import('pg')
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      for (const s of statements) await client.query(s)
      // As autovacuum would have left a table this old: visibility map set, statistics fresh.
      await client.query('vacuum analyze')
    } finally {
      await client.end()
    }
  } else {
    const { default: Database } = await import('better-sqlite3')
    const sqlite = new Database(join(dataDir, 'patchbay.sqlite'))
    try {
      sqlite.pragma('journal_mode = WAL')
      sqlite.transaction(() => {
        for (const s of statements) sqlite.exec(s)
      })()
      sqlite.exec('analyze')
    } finally {
      sqlite.close()
    }
  }
}

async function signIn(url, clientId, clientSecret) {
  const login = await fetch(`${url}/console/login`)
  const loginCookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const csrf = /name="csrf" value="([^"]+)"/.exec(await login.text())?.[1]
  const res = await fetch(`${url}/console/login`, {
    method: 'POST',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, client_id: clientId, client_secret: clientSecret }),
    redirect: 'manual',
  })
  if (res.status !== 303) fail(`console sign-in answered ${res.status}`)
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('pb_console='))
}

async function timed(url, cookie) {
  const start = process.hrtime.bigint()
  const res = await fetch(url, { headers: cookie ? { cookie } : {} })
  await res.arrayBuffer()
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (res.status !== 200) fail(`${url} answered ${res.status}`)
  return ms
}

async function measure(db, databaseUrl) {
  const s = serverSetup(databaseUrl, { cleanups, concurrency: 2 })
  const first = await s.start()
  await s.user(first.url)
  await first.stop()
  const dir = s.dataDir
  const seedStart = Date.now()
  await seed(db, databaseUrl, dir)
  const seedMs = Date.now() - seedStart
  const server = await s.start()
  const cookie = await signIn(server.url, s.clientId, s.clientSecret)
  const pages = {
    overview: '/console',
    connections: '/console/connections',
    'connections?status=needs_reauth': '/console/connections?status=needs_reauth',
    'connections?user_id=': '/console/connections?user_id=user-77',
    'connections (page 100 by cursor)': undefined,
    connection: '/console/connections/conn_b12345',
    runs: '/console/runs',
    'runs?status=failed': '/console/runs?status=failed',
    run: '/console/runs/run_b4000',
    webhooks: '/console/webhooks',
  }
  // A deep page: the cursor after 99 pages of 50.
  let path = '/console/connections'
  for (let i = 0; i < 99; i++) {
    const html = await (await fetch(`${server.url}${path}`, { headers: { cookie } })).text()
    const next = /href="([^"]+)" rel="next"/.exec(html)?.[1]
    if (!next) fail('the connections listing has no next page')
    path = next.replaceAll('&amp;', '&')
  }
  pages['connections (page 100 by cursor)'] = path
  const results = { db, connections: CONNECTIONS, seed_ms: seedMs, pages: {} }
  const base = []
  const times = Object.fromEntries(Object.keys(pages).map((k) => [k, []]))
  // Warm-up, then the pages and the baseline interleaved, one request at a time.
  for (const p of Object.values(pages)) await timed(`${server.url}${p}`, cookie)
  for (let i = 0; i < REQUESTS; i++) {
    base.push(await timed(`${server.url}/healthz`))
    for (const [name, p] of Object.entries(pages)) times[name].push(await timed(`${server.url}${p}`, cookie))
  }
  const sortedBase = base.sort((a, b) => a - b)
  results.baseline = { p50_ms: +percentile(sortedBase, 50).toFixed(2), p99_ms: +percentile(sortedBase, 99).toFixed(2) }
  for (const [name, t] of Object.entries(times)) {
    const sorted = t.sort((a, b) => a - b)
    const p50 = percentile(sorted, 50)
    results.pages[name] = {
      p50_ms: +p50.toFixed(2),
      p99_ms: +percentile(sorted, 99).toFixed(2),
      ratio_p50: +(p50 / results.baseline.p50_ms).toFixed(1),
    }
  }
  await server.stop()
  return results
}

try {
  console.log(`console benchmark: ${cpus().length} CPUs, node ${process.version}, ${CONNECTIONS} connections, ${REQUESTS} requests a page`)
  const all = []
  for (const db of dbs) {
    const databaseUrl = db === 'postgres' ? await newPostgresDatabase(env.DATABASE_URL, cleanups) : undefined
    const r = await measure(db, databaseUrl)
    all.push(r)
    console.log(`${db}: seeded in ${r.seed_ms} ms; baseline GET /healthz p50 ${r.baseline.p50_ms} ms, p99 ${r.baseline.p99_ms} ms`)
    for (const [name, p] of Object.entries(r.pages)) {
      const verdict = p.p99_ms < 100 ? 'under 100 ms' : 'OVER 100 ms'
      console.log(
        `  ${name.padEnd(34)} p50 ${String(p.p50_ms).padStart(7)} ms  p99 ${String(p.p99_ms).padStart(7)} ms  (${p.ratio_p50}x baseline p50; p99 ${verdict})`,
      )
    }
  }
  console.log(JSON.stringify(all))
  await cleanup()
} catch (err) {
  abort(err.stack ?? String(err))
}

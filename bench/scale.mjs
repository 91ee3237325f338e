#!/usr/bin/env node
/**
 * The REST read path at scale, PostgreSQL: 1,000,000 connections over 100,000 end users.
 *
 * 1. `GET /v1/connections` of one end user (10 connections each), random users, one request at a time:
 *    p50 and p99 (target p99 <= 5 ms), against `GET /healthz` measured the same way in the same run (node:http,
 *    one kept-alive connection).
 * 2. The background refresh sweep's query: its plan (EXPLAIN ANALYZE), which must use an index.
 * 3. `GET /v1/partner/connections` pages by cursor: the first page, a page in the middle (after 500,000
 *    rows) and the last: the same time (constant, not growing with the offset).
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/scale.mjs
 *
 * The rows are written straight into the database (generate_series, about a minute); the end users'
 * access tokens too (their hash, as the token endpoint stores it). Settings (environment):
 * BENCH_SCALE_USERS (100000; 10 connections each), BENCH_SCALE_REQUESTS (2000), BENCH_TIMEOUT (s, 1200).
 */
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import { cpus } from 'node:os'
import { fail, guard, newPostgresDatabase, positive } from './lib/harness.mjs'
import { percentile, setup as serverSetup } from './lib/run-server.mjs'

const env = process.env
if (!env.DATABASE_URL) {
  console.error('scale benchmark: set DATABASE_URL (PostgreSQL)')
  process.exit(2)
}
const USERS = positive(env.BENCH_SCALE_USERS, 100_000)
const PER_USER = 10
const REQUESTS = positive(env.BENCH_SCALE_REQUESTS, 2000)
const TOKENS = 500
const { cleanups, cleanup, abort } = guard('scale benchmark', positive(env.BENCH_TIMEOUT, 1200))

// node:http with one kept-alive socket, not fetch: fetch's own work in this process (its streams and
// their garbage) was half the p50 and about 2 ms of the p99 measured (BENCHMARKS.md, "Scale").
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
function timed(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    http
      .get(url, { agent, headers }, (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6
          const body = Buffer.concat(chunks).toString()
          if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}: ${body.slice(0, 200)}`))
          else resolve({ ms, body })
        })
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

const stats = (times) => {
  const sorted = [...times].sort((a, b) => a - b)
  return { p50_ms: +percentile(sorted, 50).toFixed(2), p99_ms: +percentile(sorted, 99).toFixed(2) }
}

try {
  console.log(`scale benchmark: ${cpus().length} CPUs, node ${process.version}, ${USERS} end users, ${USERS * PER_USER} connections`)
  const databaseUrl = await newPostgresDatabase(env.DATABASE_URL, cleanups)
  const s = serverSetup(databaseUrl, { cleanups, concurrency: 2 })
  const first = await s.start()
  await s.user(first.url)
  await first.stop()

  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  cleanups.push(() => client.end())
  const now = Date.now()
  const seedStart = Date.now()
  await client.query(
    `insert into end_users (id, partner_id, tenant_id, external_id, created_at, last_seen_at)
     select 'eu_s' || g, 'bench', 'org-' || (g % 100), 'user-' || g, $1, $1 from generate_series(1, $2) g`,
    [now - 90 * 86400_000, USERS],
  )
  // 10 % OAuth connections with an expiry spread over the next 30 days (what the refresh sweep looks at).
  await client.query(
    `insert into connections (id, partner_id, end_user_id, app_key, auth_option, auth_type, status, account_identifier,
                              scopes, params, metadata, credentials, expires_at, created_at, updated_at)
     select 'conn_s' || g, 'bench', 'eu_s' || ((g - 1) / ${PER_USER} + 1), 'benchapi', 'api_key',
            case when g % 10 = 0 then 'oauth2' else 'api_key' end, 'active', 'acct-' || g, '[]', '{}', '{}', 'sealed',
            case when g % 10 = 0 then $1::bigint + (g % 2592000) * 1000 else null end, $2::bigint + g, $1::bigint
     from generate_series(1, $3) g`,
    [now, now - 60 * 86400_000, USERS * PER_USER],
  )
  const tokens = []
  for (let i = 0; i < TOKENS; i++) {
    const token = `pbat_${randomBytes(32).toString('base64url')}`
    const user = 1 + Math.floor(Math.random() * USERS)
    tokens.push(token)
    await client.query(
      `insert into access_tokens (token_hash, partner_id, end_user_id, scope, expires_at, created_at) values ($1, 'bench', $2, $3, $4, $5)`,
      [`sha256$${createHash('sha256').update(token).digest('base64url')}`, `eu_s${user}`, 'connections:read', now + 3600_000, now],
    )
  }
  await client.query('vacuum analyze')
  const seedMs = Date.now() - seedStart
  console.log(`seeded in ${seedMs} ms`)

  const server = await s.start()
  // 1. One end user's connections, random users (each token once warm: the token cache is per process).
  for (const token of tokens) await timed(`${server.url}/v1/connections`, { authorization: `Bearer ${token}` })
  const list = []
  const base = []
  for (let i = 0; i < REQUESTS; i++) {
    base.push((await timed(`${server.url}/healthz`)).ms)
    const { ms, body } = await timed(`${server.url}/v1/connections`, { authorization: `Bearer ${tokens[i % TOKENS]}` })
    if (i === 0 && JSON.parse(body).data.length !== PER_USER) fail(`expected ${PER_USER} connections, got ${body.slice(0, 200)}`)
    list.push(ms)
  }
  const listStats = stats(list)
  const baseStats = stats(base)
  console.log(
    `GET /v1/connections (one of ${USERS} users, ${PER_USER} connections): p50 ${listStats.p50_ms} ms, p99 ${listStats.p99_ms} ms ` +
      `(target p99 <= 5 ms) | baseline GET /healthz p50 ${baseStats.p50_ms} ms, p99 ${baseStats.p99_ms} ms`,
  )

  // 2. The refresh sweep's query, as credentials/credential-service.ts writes it.
  const plan = await client.query(
    `explain (analyze, costs off, timing off) select id, partner_id, end_user_id from connections
     where status = 'active' and auth_type in ('oauth2', 'oauth2_client_credentials') and expires_at is not null and expires_at < $1
     order by expires_at limit 50`,
    [now + 600_000],
  )
  const planText = plan.rows.map((r) => r['QUERY PLAN']).join('\n')
  console.log(`refresh sweep query plan:\n${planText}`)
  if (!/Index (Only )?Scan/.test(planText)) fail('the refresh sweep query does not use an index')

  // 3. Partner-wide pages by cursor: first, middle, last.
  const basic = { authorization: `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}` }
  const cursorAfter = async (n) => {
    const { rows } = await client.query(`select created_at, id from connections order by created_at, id offset $1 limit 1`, [n - 1])
    return Buffer.from(JSON.stringify([Number(rows[0].created_at), rows[0].id])).toString('base64url')
  }
  const total = USERS * PER_USER
  const pages = {
    first: `${server.url}/v1/partner/connections?limit=100`,
    [`after ${Math.floor(total / 2)}`]: `${server.url}/v1/partner/connections?limit=100&cursor=${await cursorAfter(Math.floor(total / 2))}`,
    last: `${server.url}/v1/partner/connections?limit=100&cursor=${await cursorAfter(total - 50)}`,
  }
  const pageStats = {}
  for (const [name, url] of Object.entries(pages)) {
    await timed(url, basic)
    const t = []
    for (let i = 0; i < 100; i++) t.push((await timed(url, basic)).ms)
    pageStats[name] = stats(t)
    console.log(
      `GET /v1/partner/connections?limit=100, ${name.padEnd(14)} p50 ${pageStats[name].p50_ms} ms, p99 ${pageStats[name].p99_ms} ms`,
    )
  }
  agent.destroy()
  await server.stop()
  console.log(JSON.stringify({ users: USERS, connections: total, seed_ms: seedMs, list: listStats, baseline: baseStats, pages: pageStats }))
  await cleanup()
} catch (err) {
  abort(err.stack ?? String(err))
}

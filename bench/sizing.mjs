#!/usr/bin/env node
/**
 * Sizing (docs/operations.md, "Sizing"): what one Patchbay process holds and what the database gains.
 *
 * For each database: one Patchbay process (runs.concurrency 10) is started; its resident memory
 * (VmRSS from /proc) is read when idle, after BENCH_SIZING_EXCHANGES token exchanges (20 at a time,
 * each with a new JWT, so each leaves an access token, a used `jti` and an end-user row) and after
 * BENCH_SIZING_RUNS no-op action runs (10 at a time, `wait_ms`), with its peak (VmHWM). The database's
 * growth is measured at the same points: the SQLite file after a WAL checkpoint, or on PostgreSQL
 * pg_total_relation_size per table; and on PostgreSQL the connections the process holds
 * (pg_stat_activity). No baseline: these are capacity figures, not speed.
 *
 *   npm run build && node bench/sizing.mjs
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/sizing.mjs
 *
 * Settings (environment): BENCH_SIZING_EXCHANGES (5000), BENCH_SIZING_RUNS (2000), BENCH_DBS (sqlite,postgres),
 * BENCH_TIMEOUT (s, whole script, 600).
 */
import { randomUUID } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { guard, list, newPostgresDatabase, positive } from './lib/harness.mjs'
import { setup as serverSetup } from './lib/run-server.mjs'

const env = process.env
const EXCHANGES = positive(env.BENCH_SIZING_EXCHANGES, 5000)
const RUNS = positive(env.BENCH_SIZING_RUNS, 2000)
const dbs = list(env.BENCH_DBS, ['sqlite', 'postgres']).filter((db) => db !== 'postgres' || env.DATABASE_URL)
const { cleanups, cleanup, abort } = guard('sizing', positive(env.BENCH_TIMEOUT, 600))

const TABLES = ['access_tokens', 'used_jtis', 'end_users', 'runs', 'run_logs', 'connections', 'webhook_events']

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rssMiB: +(kib('VmRSS') / 1024).toFixed(1), peakMiB: +(kib('VmHWM') / 1024).toFixed(1) }
}

/** `count` calls of `fn`, `width` at a time. */
async function pool(count, width, fn) {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await fn(next++)
    }),
  )
}

async function measure(db, databaseUrl) {
  const { start, user, token, dataDir } = serverSetup(databaseUrl, { cleanups, concurrency: 10 })
  const server = await start()
  let pgClient
  if (databaseUrl) {
    const { default: pg } = await import('pg')
    pgClient = new pg.Client({ connectionString: databaseUrl })
    await pgClient.connect()
    cleanups.push(() => pgClient.end())
  }
  const size = async () => {
    if (!databaseUrl) {
      // The WAL is copied into the file first (another connection may checkpoint), so the file is the data.
      const file = join(dataDir, 'patchbay.sqlite')
      const sqlite = new Sqlite(file, { fileMustExist: true })
      sqlite.pragma('busy_timeout = 5000')
      sqlite.pragma('wal_checkpoint(TRUNCATE)')
      sqlite.close()
      return { total: statSync(file).size }
    }
    const out = { total: 0 }
    for (const table of TABLES) {
      const { rows } = await pgClient.query('select pg_total_relation_size($1::regclass) as b', [table])
      out[table] = Number(rows[0].b)
      out.total += out[table]
    }
    return out
  }
  const connections = async () => {
    if (!pgClient) return undefined
    const { rows } = await pgClient.query(
      'select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    )
    return Number(rows[0].n)
  }
  const settle = () => new Promise((done) => setTimeout(done, 2000))

  await settle()
  const idle = { ...memory(server.pid), db: await size(), pgConnections: await connections() }

  await pool(EXCHANGES, 20, () => token(server.url))
  await settle()
  const afterExchanges = { ...memory(server.pid), db: await size(), pgConnections: await connections() }

  const { auth, connectionId } = await user(server.url)
  let peakConnections = 0
  const sampler = setInterval(async () => {
    peakConnections = Math.max(peakConnections, (await connections()) ?? 0)
  }, 200)
  await pool(RUNS, 10, async (n) => {
    const res = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ action: 'benchapi.noop', connection_id: connectionId, inputs: { n }, wait_ms: 10000, webhook: false }),
    })
    const run = await res.json()
    if (run.status !== 'succeeded') throw new Error(`run ${n} ended ${run.status}: ${JSON.stringify(run.error ?? run)}`)
  })
  clearInterval(sampler)
  await settle()
  const afterRuns = { ...memory(server.pid), db: await size(), pgConnections: await connections() }
  await server.stop()

  const perRow = (bytes, rows) => Math.round(bytes / rows)
  return {
    db,
    idle,
    afterExchanges,
    afterRuns,
    pgPeakConnectionsDuringRuns: pgClient ? peakConnections : undefined,
    bytesPerExchange: perRow(afterExchanges.db.total - idle.db.total, EXCHANGES),
    bytesPerRun: perRow(afterRuns.db.total - afterExchanges.db.total, RUNS),
  }
}

try {
  const results = []
  for (const db of dbs) {
    const databaseUrl = db === 'postgres' ? await newPostgresDatabase(env.DATABASE_URL, cleanups) : undefined
    results.push(await measure(db, databaseUrl))
  }
  console.log(
    `\nSizing: ${EXCHANGES} token exchanges, then ${RUNS} no-op runs, one process (runs.concurrency 10), Node ${process.version}\n`,
  )
  console.log(
    '| database | RSS idle | RSS after exchanges | RSS after runs (peak) | DB bytes / exchange | DB bytes / run | PostgreSQL connections idle / busy |',
  )
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of results) {
    const conns = r.idle.pgConnections === undefined ? '' : `${r.idle.pgConnections} / ${r.pgPeakConnectionsDuringRuns}`
    console.log(
      `| ${r.db} | ${r.idle.rssMiB} MiB | ${r.afterExchanges.rssMiB} MiB | ${r.afterRuns.rssMiB} MiB (${r.afterRuns.peakMiB}) | ${r.bytesPerExchange} | ${r.bytesPerRun} | ${conns} |`,
    )
  }
  console.log(JSON.stringify({ bench: 'sizing', exchanges: EXCHANGES, runs: RUNS, node: process.version, results }))
  await cleanup()
} catch (err) {
  abort(err.stack ?? String(err))
}

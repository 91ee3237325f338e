#!/usr/bin/env node
/**
 * Action runs (docs/actions.md), two figures:
 *
 * 1. Latency of a no-op run, `POST /v1/runs` with `wait_ms` until it answers `succeeded`, one at a time: p50 and
 *    p99, on SQLite and (when DATABASE_URL is set) PostgreSQL. Baseline measured in the same run, the same way: an
 *    authenticated read of a run (`GET /v1/runs/{id}`), so the ratio says what a run costs over one API call.
 *    Targets: p50 <= 20 ms embedded, <= 50 ms PostgreSQL.
 * 2. Throughput on PostgreSQL: 1,000 no-op runs queued by an API-only process (runs.execute false), then executed by
 *    one Patchbay process (runs.concurrency 10), first start to last end (from the runs table), against bare
 *    graphile-worker jobs doing nothing (same version, same concurrency, 1,000 queued) in the same database.
 *    Target: ratio >= 0.5.
 *
 *   npm run build && node bench/runs.mjs
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/runs.mjs
 *
 * Settings (environment): BENCH_RUNS_LATENCY (timed runs, 300), BENCH_RUNS_QUEUED (1000), BENCH_DBS (sqlite,postgres),
 * BENCH_RUNS_CONCURRENCY (runs.concurrency and the bare workers' concurrency, 10), BENCH_TIMEOUT (s, whole script, 600), BENCH_CPU_PROF (folder: the process executing the queued runs writes a CPU profile).
 *
 * One file on purpose: a benchmark is read top to bottom as one experiment.
 */
import { cpus } from 'node:os'
import { fail, guard, list, newPostgresDatabase, positive } from './lib/harness.mjs'
import { percentile, setup as serverSetup } from './lib/run-server.mjs'

const env = process.env
const LATENCY_RUNS = positive(env.BENCH_RUNS_LATENCY, 300)
const QUEUED = positive(env.BENCH_RUNS_QUEUED, 1000)
const CONCURRENCY = positive(env.BENCH_RUNS_CONCURRENCY, 10)
const dbs = list(env.BENCH_DBS, ['sqlite', 'postgres']).filter((db) => db !== 'postgres' || env.DATABASE_URL)
const { cleanups, cleanup, abort } = guard('runs', positive(env.BENCH_TIMEOUT, 600))

async function latency(db, databaseUrl) {
  const { start, user } = serverSetup(databaseUrl, { cleanups, concurrency: CONCURRENCY })
  const server = await start()
  const { auth, connectionId } = await user(server.url)
  const create = async (n) => {
    const res = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ action: 'benchapi.noop', connection_id: connectionId, inputs: { n }, wait_ms: 5000, webhook: false }),
    })
    const run = await res.json()
    if (run.status !== 'succeeded') fail(`run ${n} ended ${run.status}: ${JSON.stringify(run.error)}`)
    return run.id
  }
  const timed = async (fn) => {
    const started = performance.now()
    await fn()
    return performance.now() - started
  }
  const warm = []
  for (let i = 0; i < 30; i++) warm.push(await create(i))
  const runs = []
  const reads = []
  for (let i = 0; i < LATENCY_RUNS; i++) {
    // Interleaved, so both see the same machine state.
    runs.push(await timed(() => create(1000 + i)))
    const id = warm[i % warm.length]
    reads.push(await timed(async () => (await fetch(`${server.url}/v1/runs/${id}`, { headers: auth })).json()))
  }
  await server.stop()
  runs.sort((a, b) => a - b)
  reads.sort((a, b) => a - b)
  const out = {
    db,
    run_p50_ms: +percentile(runs, 50).toFixed(2),
    run_p99_ms: +percentile(runs, 99).toFixed(2),
    read_p50_ms: +percentile(reads, 50).toFixed(2),
    read_p99_ms: +percentile(reads, 99).toFixed(2),
  }
  out.ratio_p50 = +(out.run_p50_ms / out.read_p50_ms).toFixed(2)
  return out
}

async function throughput(databaseUrl) {
  const { default: pg } = await import('pg')
  const { Logger, run, makeWorkerUtils } = await import('graphile-worker')
  const { start, user } = serverSetup(databaseUrl, { cleanups, concurrency: CONCURRENCY })
  // Queue: an API-only process (executes nothing) writes the runs and their jobs.
  const api = await start({ PATCHBAY_RUNS_EXECUTE: 'false' })
  const { auth, connectionId } = await user(api.url)
  const ids = []
  for (let batch = 0; batch < QUEUED / 50; batch++) {
    const made = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await fetch(`${api.url}/v1/runs`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ action: 'benchapi.noop', connection_id: connectionId, inputs: { n: batch * 50 + i }, webhook: false }),
        })
        return (await res.json()).id
      }),
    )
    ids.push(...made)
  }
  await api.stop()
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  cleanups.push(() => client.end())
  // BENCH_CPU_PROF=<folder>: the executing process writes a CPU profile there.
  const executor = await start({}, env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_CPU_PROF}`] : [])
  for (;;) {
    const { rows } = await client.query(`select count(*)::int as n from runs where status = 'succeeded'`)
    if (rows[0].n >= QUEUED) break
    await new Promise((done) => setTimeout(done, 50))
  }
  const { rows: span } = await client.query('select min(started_at)::bigint as a, max(finished_at)::bigint as b from runs')
  const patchbayMs = Number(span[0].b) - Number(span[0].a)
  await executor.stop()

  // Baseline: bare graphile-worker jobs doing nothing, same version, same concurrency, in a schema of their own.
  const schema = 'bench_bare_worker'
  const utils = await makeWorkerUtils({ connectionString: databaseUrl, schema, logger: new Logger(() => () => {}) })
  await utils.migrate()
  await client.query(
    `select ${schema}.add_jobs(array(select row('bare_noop', json_build_object('n', i), null, now(), null, null, null, null)::${schema}.job_spec from generate_series(1, $1) as i))`,
    [QUEUED],
  )
  await utils.release()
  let first = 0
  let last = 0
  let done = 0
  let finished
  const allDone = new Promise((resolve) => (finished = resolve))
  const runner = await run({
    connectionString: databaseUrl,
    schema,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    crontab: '',
    logger: new Logger(() => () => {}),
    taskList: {
      bare_noop: async () => {
        const now = Date.now()
        first ||= now
        last = now
        if (++done === QUEUED) finished()
      },
    },
  })
  await allDone
  await runner.stop()
  const bareMs = Math.max(1, last - first)
  return {
    runs: QUEUED,
    concurrency: CONCURRENCY,
    patchbay_ms: patchbayMs,
    patchbay_per_s: Math.round((QUEUED / patchbayMs) * 1000),
    bare_ms: bareMs,
    bare_per_s: Math.round((QUEUED / bareMs) * 1000),
    ratio: +(bareMs / patchbayMs).toFixed(2),
  }
}

try {
  console.log(`runs benchmark: ${cpus().length} CPUs, node ${process.version}`)
  const results = { latency: [], throughput: undefined }
  for (const db of dbs) {
    const databaseUrl = db === 'postgres' ? await newPostgresDatabase(env.DATABASE_URL, cleanups) : undefined
    const figures = await latency(db, databaseUrl)
    results.latency.push(figures)
    console.log(
      `${db.padEnd(8)} no-op run (create → succeeded, wait_ms): p50 ${figures.run_p50_ms} ms, p99 ${figures.run_p99_ms} ms | ` +
        `baseline GET /v1/runs/{id}: p50 ${figures.read_p50_ms} ms, p99 ${figures.read_p99_ms} ms | ratio p50 ${figures.ratio_p50}`,
    )
  }
  if (dbs.includes('postgres')) {
    const databaseUrl = await newPostgresDatabase(env.DATABASE_URL, cleanups)
    results.throughput = await throughput(databaseUrl)
    const t = results.throughput
    console.log(
      `postgres ${t.runs} queued no-op runs, concurrency ${t.concurrency}: Patchbay ${t.patchbay_ms} ms (${t.patchbay_per_s}/s) | ` +
        `bare graphile-worker ${t.bare_ms} ms (${t.bare_per_s}/s) | ratio ${t.ratio} (target >= 0.5)`,
    )
  }
  console.log(JSON.stringify(results))
  await cleanup()
} catch (err) {
  abort(err.stack ?? String(err))
}

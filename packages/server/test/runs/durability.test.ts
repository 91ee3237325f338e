import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { type SecondProcess, startSecondProcess } from '../helpers/second-process.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { API_KEY, addConnection, apiKeyApp, type EndUser, endUser, startUpstream, type Upstream } from '../proxy/proxy-setup.js'

// Runs survive a crash of any server process (docs/actions.md, "Durability"). The runs are executed
// by Patchbay processes started from the built CLI, killed with SIGKILL; the test server in this
// process only holds the partner and the connection (it executes nothing: runs.execute false).

const actionModule = fileURLToPath(new URL('./fixtures/durable-actions.mjs', import.meta.url))
const terminal = new Set(['succeeded', 'failed', 'canceled', 'timed_out', 'requires_action'])

interface Setup {
  t: TestServer
  upstream: Upstream
  alice: EndUser
  conn: string
  /** While `on`, the upstream holds every request without answering; otherwise it answers after `delayMs`. */
  hold: { on: boolean; delayMs: number }
  /** POST /notes bodies received, by note number. */
  writes: Map<number, number>
}

async function setup(target: (typeof databaseTargets)[number]): Promise<Setup> {
  const upstream = await startUpstream()
  const hold = { on: false, delayMs: 0 }
  const writes = new Map<number, number>()
  upstream.handle((req, res, recorded) => {
    if (req.method === 'POST') {
      const n = (JSON.parse(recorded.body) as { n: number }).n
      writes.set(n, (writes.get(n) ?? 0) + 1)
    }
    if (hold.on) return
    if (req.url?.includes('/missing/'))
      return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}')
    // Slow enough that one process (10 at a time) cannot take every run while the other waits.
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), hold.delayMs)
  })
  const t = await startTestServer({
    target,
    persistent: true,
    config: {
      apps: [apiKeyApp('tasks', `${upstream.url}/api`)],
      actionModules: [actionModule],
      'runs.execute': false,
      'webhooks.dispatch': false,
    },
  })
  const alice = await endUser(t, 'alice')
  const conn = await addConnection(t, alice, { app: 'tasks', credentials: { api_key: API_KEY } })
  return { t, upstream, alice, conn, hold, writes }
}

async function createRun(url: string, s: Setup, action: string, n: number): Promise<string> {
  const res = await fetch(`${url}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.alice.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action, connection_id: s.conn, inputs: { n } }),
  })
  const json = (await res.json()) as { id: string }
  if (res.status !== 202 && res.status !== 200) throw new Error(`create failed: ${res.status} ${JSON.stringify(json)}`)
  return json.id
}

async function runRows(s: Setup, ids: string[]) {
  return s.t.server.services.database.db.selectFrom('runs').selectAll().where('id', 'in', ids).execute()
}

async function waitUntil(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe.each(databaseTargets)('run durability ($name)', (target) => {
  const cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {})
  })

  it('ends every run after a kill -9: idempotent ones succeed, no write reaches the app twice', async () => {
    const s = await setup(target)
    cleanup.push(
      () => s.upstream.close(),
      () => s.t.close(),
    )
    const env = { PATCHBAY_RUNS_LEASE_MS: '1000', PATCHBAY_RUNS_CONCURRENCY: '4', PATCHBAY_RUNS_RETRY_BASE_MS: '50' }
    const first: SecondProcess = await startSecondProcess(s.t, env)
    cleanup.push(() => first.stop())
    s.hold.on = true
    const ids: string[] = []
    const kinds = new Map<string, string>()
    for (let n = 0; n < 10; n++) {
      const action = n % 2 === 0 ? 'tasks.write_note' : 'tasks.read_note'
      const id = await createRun(first.url, s, action, n)
      ids.push(id)
      kinds.set(id, action)
    }
    // Four attempts reach the app and hang there; the other six wait in the queue.
    await waitUntil(async () => s.upstream.requests.length >= 4, 'four requests to reach the app')
    const running = (await runRows(s, ids)).filter((r) => r.status === 'running').map((r) => r.id)
    expect(running.length).toBe(4)
    await first.kill9()
    s.hold.on = false
    const second = await startSecondProcess(s.t, env)
    cleanup.push(() => second.stop())
    await waitUntil(async () => (await runRows(s, ids)).every((r) => terminal.has(r.status)), 'every run to end')
    const rows = await runRows(s, ids)
    for (const row of rows) {
      const idempotent = kinds.get(row.id) === 'tasks.read_note'
      const interrupted = running.includes(row.id)
      if (idempotent || !interrupted) expect([row.id, row.status]).toEqual([row.id, 'succeeded'])
      else {
        expect(row.status).toBe('failed')
        expect(JSON.parse(row.error ?? '{}')).toMatchObject({ code: 'interrupted', type: 'internal' })
      }
    }
    expect([...s.writes.values()].every((count) => count === 1)).toBe(true)
    expect(s.writes.size).toBe(5)
  }, 120_000)

  it('a process with runs.execute false writes runs and executes none; a process that executes takes them', async () => {
    const s = await setup(target)
    cleanup.push(
      () => s.upstream.close(),
      () => s.t.close(),
    )
    // Created through the API-only process (the test server), which must leave them queued.
    const ids = [await createRun(s.t.url, s, 'tasks.write_note', 1), await createRun(s.t.url, s, 'tasks.read_note', 2)]
    await new Promise((r) => setTimeout(r, 750))
    expect((await runRows(s, ids)).map((r) => r.status)).toEqual(['queued', 'queued'])
    expect(s.upstream.requests.length).toBe(0)
    const worker = await startSecondProcess(s.t, {})
    cleanup.push(() => worker.stop())
    await waitUntil(async () => (await runRows(s, ids)).every((r) => r.status === 'succeeded'), 'both runs to succeed')
    expect(s.writes.get(1)).toBe(1)
  }, 60_000)

  // The built server bundles its own copy of @patchbay/catalog; the module imports the installed one
  // (docs/operations.md, "Sizing"). Its errors must read as the catalog's own actions' do.
  it("an operator's action module on the built server: its ActionError reads as it meant, its catch of an ActionHttpError works", async () => {
    const s = await setup(target)
    cleanup.push(
      () => s.upstream.close(),
      () => s.t.close(),
    )
    const worker = await startSecondProcess(s.t, {})
    cleanup.push(() => worker.stop())
    const ids = [await createRun(worker.url, s, 'tasks.refuse_note', 7), await createRun(worker.url, s, 'tasks.check_note', 8)]
    await waitUntil(async () => (await runRows(s, ids)).every((r) => terminal.has(r.status)), 'both runs to end')
    const [refused, checked] = await Promise.all(ids.map(async (id) => (await runRows(s, [id]))[0]))
    expect(refused?.status).toBe('failed')
    expect(JSON.parse(refused?.error ?? '{}')).toMatchObject({ type: 'not_found', code: 'note_not_found', message: 'no note 7' })
    expect([checked?.status, checked?.error]).toEqual(['succeeded', null])
  }, 60_000)
})

const postgres = databaseTargets.find((target) => target.name === 'postgres')

describe.runIf(postgres)('runs on two PostgreSQL processes', () => {
  const target = postgres as NonNullable<typeof postgres>
  const cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {})
  })

  // The lease sweep frees every job a dead process held once one of its leases has run out; a worker
  // may then take a run whose lease still has a moment to go. Its job must come back at the lease's end.
  it("keeps a run's job when a worker finds the run under another worker's live lease, and takes it when that lease ends", async () => {
    const s = await setup(target)
    cleanup.push(
      () => s.upstream.close(),
      () => s.t.close(),
    )
    const db = s.t.server.services.database.db
    // Queued by the API-only test server, its job not taken; then marked as another process's attempt.
    const id = await createRun(s.t.url, s, 'tasks.read_note', 1)
    const leaseEnd = Date.now() + 60_000
    await db
      .updateTable('runs')
      .set({ status: 'running', attempt: 1, lease_owner: 'pool-elsewhere', lease_expires_at: leaseEnd, started_at: Date.now() })
      .where('id', '=', id)
      .execute()
    const jobOf = async () =>
      (
        await sql<{
          id: string
          run_at: Date
          locked_by: string | null
        }>`select id, run_at, locked_by from graphile_worker.jobs where key = ${id}`.execute(db)
      ).rows[0]
    const firstJob = await jobOf()
    expect(firstJob).toBeDefined()
    const worker = await startSecondProcess(s.t, {})
    cleanup.push(() => worker.stop())
    // The worker takes the job, cannot claim the run, and leaves it due at the lease's end.
    await waitUntil(async () => {
      const job = await jobOf()
      return job !== undefined && job.id !== firstJob?.id && job.locked_by === null
    }, 'the job to be made due again')
    expect((await jobOf())?.run_at.getTime()).toBe(leaseEnd + 1)
    expect((await runRows(s, [id]))[0]).toMatchObject({ status: 'running', lease_owner: 'pool-elsewhere', attempt: 1 })
    expect(s.upstream.requests.length).toBe(0)
    // The lease ends (its process is gone): the job, now due, resumes the idempotent action.
    await db.updateTable('runs').set({ lease_expires_at: Date.now() }).where('id', '=', id).execute()
    // Made due now rather than at the old lease end (a minute away), through the runner's own scheduler.
    const scheduler = s.t.server.services.runExecutor.scheduler
    expect(scheduler).toBeDefined()
    await scheduler?.schedule(db, id, Date.now())
    await waitUntil(async () => terminal.has((await runRows(s, [id]))[0]?.status ?? ''), 'the run to end')
    expect((await runRows(s, [id]))[0]).toMatchObject({ status: 'succeeded', attempt: 2 })
  }, 60_000)

  it('executes 200 runs exactly once each, spread over two processes', async () => {
    const s = await setup(target)
    cleanup.push(
      () => s.upstream.close(),
      () => s.t.close(),
    )
    const a = await startSecondProcess(s.t, { PATCHBAY_RUNS_CONCURRENCY: '10' })
    cleanup.push(() => a.stop())
    const b = await startSecondProcess(s.t, { PATCHBAY_RUNS_CONCURRENCY: '10' })
    cleanup.push(() => b.stop())
    const ids: string[] = []
    const started = Date.now()
    for (let batch = 0; batch < 20; batch++) {
      ids.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, i) => createRun(i % 2 ? a.url : b.url, s, 'tasks.write_note', batch * 10 + i)),
        )),
      )
    }
    const created = Date.now()
    await waitUntil(async () => (await runRows(s, ids)).every((r) => terminal.has(r.status)), 'every run to end', 20_000).catch(
      async (err) => {
        const rows = await runRows(s, ids)
        const counts: Record<string, number> = {}
        for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1
        console.log(
          'STUCK',
          JSON.stringify(counts),
          rows
            .filter((r) => !terminal.has(r.status))
            .slice(0, 3)
            .map((r) => [r.status, r.attempt, r.lease_owner, r.error]),
        )
        throw err
      },
    )
    console.log(`200 runs: created in ${created - started} ms, all ended ${Date.now() - created} ms later`)
    const rows = await runRows(s, ids)
    expect(rows.filter((r) => r.status !== 'succeeded')).toEqual([])
    expect(rows.every((r) => Number(r.attempt) === 1)).toBe(true)
    expect(s.writes.size).toBe(200)
    expect([...s.writes.values()].every((count) => count === 1)).toBe(true)
    const pids = new Map<number, number>()
    for (const row of rows) {
      const pid = (JSON.parse(row.output ?? '{}') as { pid: number }).pid
      pids.set(pid, (pids.get(pid) ?? 0) + 1)
    }
    expect(pids.size).toBe(2)
    expect(Math.min(...pids.values())).toBeGreaterThan(20)
  }, 120_000)
})

import { Logger as WorkerLogger, makeWorkerUtils, run, runMigrations, type Runner, type WorkerUtils } from 'graphile-worker'
import { type Kysely, sql, type Transaction } from 'kysely'
import pg from 'pg'
import type { Logger } from 'pino'
import type { Database } from '../../db/schema.js'
import type { RunExecutor, RunScheduler } from '../run-executor.js'
import type { RunStore } from '../run-store.js'
import { runTaskFor, WORKER_SCHEMA } from './worker-queue.js'

const RESTART_DELAY_MS = 500

export interface WorkerRunnerOptions {
  pool: pg.Pool
  store: RunStore
  executor: RunExecutor
  concurrency: number
  leaseMs: number
  log: Logger
  /** Start workers in this process (false: only add jobs, for processes that serve the API alone). */
  execute: boolean
}

/**
 * PostgreSQL's runner: execution on graphile-worker (LISTEN/NOTIFY pickup, job locks, retries at a
 * time, workers in every process). A run's job is added in the transaction that writes the run
 * (`add_job` in SQL) with the run id as its `job_key`. graphile-worker frees the jobs of a crashed
 * worker only after hours; the run's lease says sooner: a sweep hands the jobs of workers whose
 * leases ran out back to the queue (`forceUnlockWorkers`), and the executor then resumes or fails
 * the interrupted attempt (docs/actions.md, "Durability").
 */
export class WorkerRunner implements RunScheduler {
  private runner: Runner | undefined
  private utils: WorkerUtils | undefined
  private sweep: NodeJS.Timeout | undefined
  private shared: { pgPool: pg.Pool; schema: string; logger: WorkerLogger } | undefined
  private stopping = false
  /** Worker ids of this process (never unlocked by its own sweep). */
  private readonly ours = new Set<string>()

  private constructor(
    private readonly options: WorkerRunnerOptions,
    private readonly schema: string,
    private readonly task: string,
  ) {}

  /**
   * Installs or upgrades graphile-worker's schema (its own migrations), ready to add jobs; the workers
   * start with {@link startExecuting}.
   */
  static async start(options: WorkerRunnerOptions): Promise<WorkerRunner> {
    const schema = WORKER_SCHEMA
    const task = await runTaskFor(options.pool)
    const logger = new WorkerLogger((scope) => (level, message, meta) => {
      const line = { scope: scope.label, ...meta }
      if (level === 'error') options.log.error(line, `graphile-worker: ${message}`)
      else if (level === 'warning') options.log.warn(line, `graphile-worker: ${message}`)
      else options.log.debug(line, `graphile-worker: ${message}`)
    })
    // graphile-worker gets a pool of its own: its workers hold connections while they wait for jobs,
    // and an attempt's own queries (claim, credentials, end) must never wait behind them.
    const connectionString = (options.pool as pg.Pool & { options: { connectionString?: string } }).options.connectionString
    const workerPool = new pg.Pool({ connectionString, max: options.concurrency + 2, application_name: 'patchbay runs' })
    workerPool.on('error', () => {})
    // graphile-worker asks for these too: a client that breaks while checked out errors on its own.
    workerPool.on('connect', (client) => client.on('error', () => {}))
    const shared = { pgPool: workerPool, schema, logger }
    try {
      await runMigrations(shared)
      const self = new WorkerRunner(options, schema, task)
      self.shared = shared
      self.utils = await makeWorkerUtils(shared)
      return self
    } catch (err) {
      // The process does not start: its pool must not keep it alive.
      await workerPool.end().catch(() => {})
      throw err
    }
  }

  /** Starts this process's workers and the lease sweep (unless the process only serves the API). */
  async startExecuting(): Promise<void> {
    const { options, shared } = this
    if (!options.execute || !shared || this.stopping) return
    await options.store.prepareEngine().catch((err: unknown) => options.log.warn({ err }, 'could not prepare the run statements'))
    await this.startWorkers(shared)
    this.sweep = setInterval(() => void this.unlockAbandoned(), Math.max(500, Math.floor(options.leaseMs / 2)))
    this.sweep.unref()
    void this.unlockAbandoned()
  }

  /**
   * Starts graphile-worker's workers, and starts them again if they stop on their own (graphile-worker
   * stops them when its queue is migrated by a newer version elsewhere, see {@link runTaskFor}).
   */
  private async startWorkers(shared: { pgPool: pg.Pool; schema: string; logger: WorkerLogger }): Promise<void> {
    const { options } = this
    const runner = await run({
      ...shared,
      concurrency: options.concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      // No cron: without this graphile-worker looks for a `crontab` file in the working directory.
      crontab: '',
      taskList: {
        [this.task]: async (payload, helpers) => {
          const runId = (payload as { run_id?: unknown }).run_id
          if (typeof runId !== 'string') return
          const worker = helpers.job.locked_by ?? 'unknown'
          this.ours.add(worker)
          await options.executor.execute(runId, worker)
        },
      },
    })
    this.runner = runner
    const restart = () => {
      if (this.stopping || this.runner !== runner) return
      options.log.warn('graphile-worker stopped its workers; starting them again')
      const timer = setTimeout(() => {
        if (!this.stopping)
          this.startWorkers(shared).catch((err: unknown) => options.log.error({ err }, 'could not restart the run workers'))
      }, RESTART_DELAY_MS)
      timer.unref()
    }
    runner.promise.then(restart, restart)
  }

  async schedule(trx: Transaction<Database> | Kysely<Database>, runId: string, at: number): Promise<void> {
    // Patchbay decides retries (only when safe) and schedules them as new jobs; graphile-worker's own
    // attempts only cover a task that failed inside Patchbay, or a job freed from a dead worker.
    await sql`select ${sql.id(this.schema)}.add_job(${this.task}, json_build_object('run_id', ${runId}::text), run_at => ${new Date(at).toISOString()}::timestamptz, job_key => ${runId}::text, max_attempts => 10)`.execute(
      trx,
    )
  }

  /** graphile-worker hears the job through NOTIFY at commit. */
  committed(): void {}

  /** Jobs held by workers whose run leases ran out (their process is gone) go back to the queue. */
  private async unlockAbandoned(): Promise<void> {
    try {
      const owners = (await this.options.store.expiredLeaseOwners(Date.now())).filter((w) => !this.ours.has(w))
      if (owners.length > 0) {
        this.options.log.warn({ workers: owners }, 'unlocking the jobs of workers whose run leases ran out')
        await this.utils?.forceUnlockWorkers(owners)
      }
    } catch (err) {
      this.options.log.warn({ err }, 'run lease sweep failed')
    }
  }

  async stop(): Promise<void> {
    this.stopping = true
    clearInterval(this.sweep)
    // It may have stopped already on its own (see startWorkers): nothing left to stop then.
    await this.runner?.stop().catch(() => {})
    await this.utils?.release()
    await this.shared?.pgPool.end()
  }
}

import type { Logger } from 'pino'
import { randomId } from '../../lib/random.js'
import type { RunExecutor, RunScheduler } from '../run-executor.js'
import type { RunStore } from '../run-store.js'

/**
 * The embedded database's runner (one process owns the SQLite file): the `runs` table is the queue.
 * Woken at once when a run is created or rescheduled, by a timer when a waiting run or an expired
 * lease comes due; at most `concurrency` attempts at a time. A run left `running` by a crash is
 * found by its expired lease and resumed or failed by the executor (docs/actions.md, "Durability").
 */
export class EmbeddedRunner implements RunScheduler {
  private readonly worker = randomId('embedded_')
  private readonly mine = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private scanning = false
  private again = false
  private stopped = false
  /** Until start(), runs are only written (a process with runs.execute false never starts it). */
  private started = false

  constructor(
    private readonly store: RunStore,
    private readonly executor: RunExecutor,
    private readonly concurrency: number,
    private readonly log: Logger,
  ) {}

  start(): this {
    this.started = true
    this.committed()
    return this
  }

  /** The row is the job: nothing to add. */
  async schedule(): Promise<void> {}

  committed(): void {
    if (this.stopped || !this.started) return
    if (this.scanning) {
      this.again = true
      return
    }
    setImmediate(() => void this.scan())
  }

  private async scan(): Promise<void> {
    if (this.scanning || this.stopped) return
    this.scanning = true
    this.again = false
    try {
      const free = this.concurrency - this.mine.size
      if (free <= 0) return
      const now = Date.now()
      const { ids, nextAt } = await this.store.due(now, free + this.mine.size)
      for (const id of ids) {
        if (this.mine.size >= this.concurrency) break
        if (this.mine.has(id)) continue
        this.mine.add(id)
        this.executor
          .execute(id, this.worker)
          .catch((err: unknown) => this.log.error({ err, runId: id }, 'run attempt failed inside Patchbay'))
          .finally(() => {
            this.mine.delete(id)
            this.committed()
          })
      }
      clearTimeout(this.timer)
      if (nextAt !== null && !this.stopped) {
        this.timer = setTimeout(() => this.committed(), Math.max(10, Math.min(nextAt - Date.now() + 5, 60_000)))
        this.timer.unref()
      }
    } catch (err) {
      this.log.warn({ err }, 'run scan failed')
    } finally {
      this.scanning = false
      if (this.again) this.committed()
    }
  }

  /** Stops taking runs; attempts under way are left to finish (their leases tell the next start otherwise). */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    const deadline = Date.now() + 5000
    while (this.mine.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  }
}

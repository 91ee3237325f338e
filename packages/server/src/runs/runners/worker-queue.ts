// The graphile-worker queue's names, apart from the runner so that what reads the queue (metrics/queue-depth.ts)
// does not load graphile-worker: it is imported only when the server runs on PostgreSQL (docs/operations.md, "Sizing").
import type pg from 'pg'

/** The task every run attempt is: its payload names the run (`{ run_id }`). */
export const RUN_TASK = 'patchbay_run'

/** graphile-worker's schema: one queue per database, shared by every Patchbay schema in it (see below). */
export const WORKER_SCHEMA = 'graphile_worker'

/**
 * The task name of this Patchbay schema's runs: `patchbay_run` in `public`, `patchbay_run:<schema>`
 * otherwise. graphile-worker's workers only take jobs of the tasks they know, so several Patchbay
 * installations (one schema each, and the test suite's schemas) share the database's one queue
 * without taking each other's runs. One queue rather than one per schema: graphile-worker stops every
 * worker in the database when any of its queues is migrated (its `worker:migrate` notification names
 * no schema), so a queue per schema would stop all workers at each new schema's first start.
 */
export async function runTaskFor(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ schema: string }>('select current_schema() as schema')
  const schema = rows[0]?.schema ?? 'public'
  return schema === 'public' ? RUN_TASK : `${RUN_TASK}:${schema}`
}

import type { Registry } from 'prom-client'
import { promClient } from '../lib/optional-modules.js'
import type { PatchbayDatabase } from '../db/database.js'
import type { LineLogger } from '../logger.js'
import { QueueDepth } from './queue-depth.js'

/**
 * Gauges read when Prometheus scrapes, not kept up to date on every change (docs/operations.md,
 * "Metrics"): the queues' depth, shared by every process on one database, and this process's
 * PostgreSQL pools. The embedded database has no pool (one synchronous SQLite connection): no pool
 * gauges there. A query that fails leaves its series out of that scrape (logged), not the scrape.
 */
export function registerScrapeGauges(registry: Registry, database: PatchbayDatabase, log: LineLogger): void {
  const { Gauge } = promClient()
  const queues = new QueueDepth(database.db, database.pgPool)
  const registers = [registry]
  const failed = (what: string) => (err: unknown) => log.warn({ err }, `metrics: cannot read ${what}`)

  new Gauge({
    name: 'patchbay_runs_pending',
    help: 'Action runs not started yet: queued (ready to start now) or waiting (a retry scheduled later).',
    labelNames: ['status'],
    registers,
    async collect() {
      this.reset()
      await queues.runs().then(({ queued, waiting }) => {
        this.set({ status: 'queued' }, queued)
        this.set({ status: 'waiting' }, waiting)
      }, failed('the runs queue'))
    },
  })
  new Gauge({
    name: 'patchbay_webhook_events_pending',
    help: 'Webhook events not delivered yet and not given up (pending or being delivered).',
    registers,
    async collect() {
      this.reset()
      await queues.webhookEvents().then((n) => this.set(n), failed('the webhook outbox'))
    },
  })

  // `pool`: "requests" (the API's pool) or "run_engine" (the run engine's two connections, opened when
  // the process starts executing runs: docs/actions.md, "Durability").
  const pools = Object.entries({ requests: database.pgPool, run_engine: database.pgGenericPool }).filter(
    (entry): entry is [string, NonNullable<PatchbayDatabase['pgPool']>] => entry[1] !== undefined,
  )
  if (pools.length === 0) return
  const poolGauge = (name: string, help: string, read: (pool: (typeof pools)[number][1]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        for (const [label, pool] of pools) this.set({ pool: label }, read(pool))
      },
    })
  poolGauge('patchbay_db_pool_connections', 'PostgreSQL connections open in the pool (idle and in use).', (pool) => pool.totalCount)
  poolGauge('patchbay_db_pool_idle_connections', 'PostgreSQL connections of the pool open and idle.', (pool) => pool.idleCount)
  poolGauge('patchbay_db_pool_waiting_clients', 'Queries waiting for a connection of the pool.', (pool) => pool.waitingCount)
  poolGauge('patchbay_db_pool_max_connections', 'Most connections the pool opens.', (pool) => pool.options.max ?? 10)
}

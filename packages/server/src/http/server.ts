import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { buildApp } from './app.js'
import type { Config } from '../config/config.js'
import { checkConfig } from '../config/config-check.js'
import { migrateToLatest, openDatabase, type PatchbayDatabase } from '../db/database.js'
import { createLogger } from '../logger.js'
import { startMaintenance, startRefreshSweep } from '../jobs/maintenance.js'
import { syncPartners } from '../partners/sync-config.js'
import { createServices, type Services } from '../services.js'
import { checkKeysReadStoredData } from '../vault/check-stored-keys.js'
import { loadVault } from '../vault/key-setup.js'
import { WebhookDispatcher } from '../webhooks/dispatcher.js'
import type { ActionDefinition } from '@patchbay/catalog'
import { importActionModules, loadActions } from '../actions/action-registry.js'
import { loadCatalog } from '../catalog/load-catalog.js'
import { EmbeddedRunner } from '../runs/runners/embedded-runner.js'
import { type MetricsListener, startMetricsListener } from '../metrics/metrics-listener.js'

export interface RunningServer {
  app: FastifyInstance
  services: Services
  /** The URL the server listens on (with the real port when 0 was asked for). */
  url: string
  /** Where `/metrics` is served on a listener of its own (`metrics.listen`), with the real port. */
  metricsUrl?: string
  close(): Promise<void>
}

export interface StartOptions {
  /** PostgreSQL schema for this instance (tests); the search_path default otherwise. */
  pgSchema?: string
  /** A logger to use instead of one built from the config (tests pass a silent or capturing one). */
  logger?: Logger
  /** Action definitions beyond the catalog's (actions of custom apps): docs/actions.md, "Writing an action". */
  actions?: ActionDefinition[]
  /** Install SIGINT/SIGTERM handlers that close gracefully (the CLI does; tests do not). */
  handleSignals?: boolean
}

/**
 * Loads the encryption keys (a ConfigError without one outside development mode), opens the
 * database, migrates it, applies declared partners, and listens.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  // Before anything is opened: a configuration `patchbay config check` refuses (no key outside
  // development mode, a bad CIDR range, custom app or partner) starts nothing.
  checkConfig(config)
  const keys = loadVault(config)
  const log = options.logger ?? createLogger(config)
  if (keys.devKey) {
    log.warn(
      { keySource: keys.source, ...(keys.file ? { keyFile: keys.file, created: keys.created } : {}) },
      keys.source === 'dev-file'
        ? 'development mode: credentials are encrypted with the generated key in the data directory; configure encryptionKeys for production'
        : 'development mode: credentials are encrypted with a key held in memory only; they are unreadable after a restart',
    )
  }
  const database: PatchbayDatabase = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    pgSchema: options.pgSchema,
  })
  let app: FastifyInstance | undefined
  let runner: Awaited<ReturnType<typeof startRunner>> | undefined
  let metricsListener: MetricsListener | undefined
  try {
    await migrateToLatest(database, options.pgSchema)
    // Keys that cannot open what is stored would answer `ready`, then fail every credential read.
    await checkKeysReadStoredData(database.db, keys.vault)
    const catalog = loadCatalog({ extraApps: config.apps })
    const actions = await loadActions(catalog, {
      extra: [...(options.actions ?? []), ...(await importActionModules(config.actionModules))],
    })
    const services = createServices(config, database, log, keys.vault, { catalog, actions })
    runner = await startRunner(services)
    await syncPartners(services.partners, config.partners, {
      partnerApps: services.partnerApps,
      webhookSecrets: services.webhookSecrets,
      toolsets: services.toolsets,
    })
    app = await buildApp(services)
    await app.listen({ host: config.host, port: config.port })
    // Execution starts once the server has started: a worker that took runs while the routes were
    // still compiling would run them at a fraction of its speed (docs/actions.md, "Durability").
    await runner.startExecuting()
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
    // Port 0 (tests, ephemeral runs): the derived public URL takes the port actually bound.
    if (config.publicUrl.endsWith(':0')) config.publicUrl = url
    if (config.metrics.listen) {
      metricsListener = await startMetricsListener(config.metrics.listen, services.metrics, config.metrics.token, log)
    }
    const stopMaintenance = startMaintenance(
      database.db,
      (err) => app?.log.warn({ err }, 'maintenance sweep failed'),
      60_000,
      config.audit.retentionDays * 24 * 3600 * 1000,
      { runsMs: config.runs.retentionDays * 24 * 3600 * 1000, webhookEventsMs: config.webhooks.retentionDays * 24 * 3600 * 1000 },
    )
    const stopRefresh = startRefreshSweep(
      () => services.credentials.refreshDue(config.refresh.aheadSeconds * 1000),
      config.refresh.sweepSeconds * 1000,
      (err) => app?.log.warn({ err }, 'refresh sweep failed'),
    )
    const webhooks = config.webhooks.dispatch
      ? new WebhookDispatcher({
          db: database.db,
          http: services.http,
          secrets: services.webhookSecrets,
          log,
          maxAttempts: config.webhooks.maxAttempts,
          timeoutMs: config.webhooks.timeoutMs,
          pollMs: config.webhooks.pollMs,
          retrySchedule: config.webhooks.retrySchedule,
          metrics: services.metrics,
        }).start()
      : undefined

    let closing: Promise<void> | undefined
    const close = () => {
      closing ??= (async () => {
        stopMaintenance()
        stopRefresh()
        await metricsListener?.close()
        await runner?.stop()
        // Deliveries in flight finish and are recorded before the HTTP client and the database close.
        await webhooks?.stop()
        if (app) {
          app.shuttingDown = true
          await app.close()
        }
        await services.close()
        await database.close()
      })()
      return closing
    }
    if (options.handleSignals) {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          app?.log.info({ signal }, 'shutting down')
          close().then(
            () => process.exit(0),
            (err) => {
              app?.log.error({ err }, 'shutdown failed')
              process.exit(1)
            },
          )
        })
      }
    }
    return { app, services, url, ...(metricsListener ? { metricsUrl: metricsListener.url } : {}), close }
  } catch (err) {
    await metricsListener?.close().catch(() => {})
    await runner?.stop().catch(() => {})
    await app?.close().catch(() => {})
    await database.close().catch(() => {})
    throw err
  }
}

/**
 * The runs' runner for this database (docs/actions.md, "Durability"): graphile-worker on PostgreSQL,
 * the embedded runner on SQLite. Made before the server listens, so that a run created by the first
 * request already has its job; it executes runs from `startExecuting()` on.
 */
async function startRunner(services: Services): Promise<{ startExecuting(): Promise<void>; stop(): Promise<void> }> {
  const { config, database, runStore: store, runExecutor: executor, log } = services
  if (database.kind === 'postgres' && database.pgPool) {
    // graphile-worker (and what it loads) only on PostgreSQL: the embedded database never imports it.
    const { WorkerRunner } = await import('../runs/runners/worker-runner.js')
    const runner = await WorkerRunner.start({
      pool: database.pgPool,
      store,
      executor,
      concurrency: config.runs.concurrency,
      leaseMs: config.runs.leaseMs,
      log,
      execute: config.runs.execute,
    })
    executor.scheduler = runner
    return runner
  }
  const runner = new EmbeddedRunner(store, executor, config.runs.concurrency, log)
  executor.scheduler = runner
  return {
    async startExecuting() {
      if (config.runs.execute) runner.start()
    },
    stop: () => runner.stop(),
  }
}

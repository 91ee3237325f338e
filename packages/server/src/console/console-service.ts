import type { AuditActor, AuditEntry, AuditLog } from '../audit/audit-log.js'
import type { ConnectionService } from '../connections/connection-service.js'
import type { ConnectionStatus, Database } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import type { RunService } from '../runs/run-service.js'
import { mintConnectLink } from '../connect/sessions/connect-url.js'
import type { ConnectSessions } from '../connect/sessions/connect-sessions.js'
import type { WebhookEvents } from '../webhooks/webhook-events.js'
import type { Kysely } from 'kysely'
import { quantile, type Series } from './charts.js'
import type { OverviewData, PartnerConnection, RunLogLine } from './console-pages.js'
import { ConsoleStore, type RunListOptions, type RunRow } from './console-store.js'

const HOUR_MS = 3600 * 1000
const DAY_MS = 24 * HOUR_MS

export interface ConsoleServiceDeps {
  db: Kysely<Database>
  connections: ConnectionService
  audit: AuditLog
  runs: RunService
  webhookEvents: WebhookEvents
  sessions: ConnectSessions
  config: { publicUrl: string; sessionTtl: number }
  /** Whether an action (`app.key`) is safe to repeat (its annotations). */
  isIdempotent: (actionId: string) => boolean
  /** Proxy latency buckets of this process (le in ms → count), when metrics are on; null otherwise. */
  proxyLatency?: () => Promise<{ le: string; count: number }[] | null>
}

const hourLabel = (ms: number) => new Date(ms).toISOString().slice(11, 16)
const dayHourLabel = (ms: number) => new Date(ms).toISOString().slice(5, 13).replace('T', ' ') + 'h'

/**
 * What the operator console shows and does, for one partner at a time (docs/console.md). Reads go
 * through the same services as the API where one exists; changes (delete, retry, redeliver) too,
 * with the operator as the audit log's actor.
 */
export class ConsoleService {
  readonly store: ConsoleStore

  constructor(private readonly deps: ConsoleServiceDeps) {
    this.store = new ConsoleStore(deps.db)
  }

  async overview(partnerId: string, now: number = Date.now()): Promise<OverviewData> {
    const since = now - DAY_MS
    const [counts, needsReauth, failedRuns, failedRunCount, failingEndpoints, failedEvents, samples, runHours, durations, proxy] =
      await Promise.all([
        this.store.connectionCounts(partnerId),
        this.deps.connections.listForPartner(partnerId, { status: 'needs_reauth', limit: 10 }),
        this.store.failedRuns(partnerId, since, 10),
        this.store.failedRunCount(partnerId, since),
        this.store.webhookEndpoints(partnerId, since),
        this.deps.webhookEvents.list(partnerId, { status: 'failed', limit: 10 }),
        this.store.statusSamples(partnerId, now - 14 * DAY_MS),
        this.store.runsByHour(partnerId, Math.floor(since / HOUR_MS) * HOUR_MS),
        this.store.runDurations(partnerId, since),
        this.deps.proxyLatency ? this.deps.proxyLatency() : Promise.resolve(null),
      ])
    return {
      counts,
      needsReauth: needsReauth.data,
      failedRuns,
      failedRunCount,
      failingEndpoints,
      failedEvents: failedEvents.data,
      statusChart: statusChart(samples, counts, now),
      runsChart: runsChart(runHours, now),
      runLatencyChart: latencyChart(durations, now),
      proxyLatencyChart: proxy
        ? { labels: proxy.map((b) => `≤${b.le}`), series: [{ name: 'calls', cls: 's-info', values: proxy.map((b) => b.count) }] }
        : null,
    }
  }

  listConnections(
    partnerId: string,
    filters: { app?: string; status?: ConnectionStatus; tenantId?: string; userId?: string; cursor?: string },
  ) {
    return this.deps.connections.listForPartner(partnerId, { ...filters, limit: 50 })
  }

  async connection(
    partnerId: string,
    id: string,
  ): Promise<{ item: PartnerConnection; audit: AuditEntry[]; statusHistory: AuditEntry[]; refreshes: AuditEntry[] }> {
    const item = await this.deps.connections.findForPartner(partnerId, id)
    if (!item) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${id} not found`)
    // Each section reads its own entries: a busy connection's latest 100 entries may all be reads.
    const [audit, statusHistory, refreshes] = await Promise.all([
      this.deps.audit.list(partnerId, id, { limit: 100 }),
      this.deps.audit.list(partnerId, id, { actions: ['created', 'reauthorized', 'replaced', 'deleted', 'refresh_failed'], limit: 100 }),
      this.deps.audit.list(partnerId, id, { actions: ['refreshed', 'refresh_failed'], limit: 50 }),
    ])
    return {
      item,
      audit: audit.data,
      statusHistory: statusHistory.data.filter((e) => e.action !== 'refresh_failed' || e.detail?.status === 'needs_reauth'),
      refreshes: refreshes.data,
    }
  }

  /** A one-time link that re-authorizes the connection (it keeps its id), for the operator to send to the end user. */
  async reauthLink(partnerId: string, id: string): Promise<{ url: string; expiresAt: number }> {
    const item = await this.deps.connections.findForPartner(partnerId, id)
    if (!item) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${id} not found`)
    const c = item.connection
    return mintConnectLink(
      { sessions: this.deps.sessions, db: this.deps.db, config: this.deps.config },
      { partnerId, endUserId: c.endUserId },
      c.appKey,
      c.id,
    )
  }

  async deleteConnection(partnerId: string, id: string, actor: AuditActor): Promise<void> {
    const item = await this.deps.connections.findForPartner(partnerId, id)
    if (!item) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${id} not found`)
    await this.deps.connections.delete({ partnerId, endUserId: item.connection.endUserId }, id, actor)
  }

  listRuns(partnerId: string, options: RunListOptions) {
    return this.store.listRuns(partnerId, options)
  }

  async run(partnerId: string, id: string): Promise<{ run: RunRow; logs: RunLogLine[] }> {
    const run = await this.store.run(partnerId, id)
    if (!run) throw new PatchbayError('PB_ERR_NOT_FOUND', `run ${id} not found`)
    const logs = await this.deps.runs.logs({ partnerId, endUserId: run.end_user_id }, id)
    return { run, logs }
  }

  /**
   * Whether the console offers to run it again: a run that ended without success, or a success of an
   * action that is safe to repeat. Never a run still under way, never a write that already happened.
   */
  retryable(run: RunRow): boolean {
    if (['failed', 'timed_out', 'canceled', 'requires_action'].includes(run.status)) return true
    return run.status === 'succeeded' && (Number(run.dry_run) === 1 || this.deps.isIdempotent(`${run.app_key}.${run.action_key}`))
  }

  /**
   * A new run of the same action, version, connection, inputs, timeout and dry-run flag, made by the
   * operator (the original stays as it is).
   */
  async retryRun(partnerId: string, id: string, actor: AuditActor): Promise<RunRow> {
    const run = await this.store.run(partnerId, id)
    if (!run) throw new PatchbayError('PB_ERR_NOT_FOUND', `run ${id} not found`)
    if (!this.retryable(run)) {
      throw new PatchbayError(
        'PB_ERR_CONFLICT',
        `run ${id} ${run.status === 'succeeded' ? 'succeeded and its action is not idempotent' : 'has not ended'}: it is not run again`,
      )
    }
    const { run: created } = await this.deps.runs.create(
      { partnerId, endUserId: run.end_user_id },
      {
        action: `${run.app_key}.${run.action_key}`,
        version: run.action_version,
        connectionId: run.connection_id,
        inputs: JSON.parse(run.inputs) as Record<string, unknown>,
        metadata: { console_retry_of: run.id },
        timeoutMs: Number(run.timeout_ms),
        dryRun: Number(run.dry_run) === 1,
        webhook: Number(run.webhook) === 1,
      },
      actor,
    )
    return created
  }
}

function statusChart(
  samples: { hour: number; status: string; count: number }[],
  counts: Record<string, number>,
  now: number,
): OverviewData['statusChart'] {
  const hours = [...new Set(samples.map((s) => s.hour))].sort((a, b) => a - b)
  const current = Math.floor(now / HOUR_MS) * HOUR_MS
  if (hours[hours.length - 1] !== current) hours.push(current)
  const value = (hour: number, status: string) =>
    hour === current ? (counts[status] ?? 0) : (samples.find((s) => s.hour === hour && s.status === status)?.count ?? 0)
  const series: Series[] = [
    { name: 'active', cls: 's-ok', values: hours.map((h) => value(h, 'active')) },
    { name: 'needs_reauth', cls: 's-warn', values: hours.map((h) => value(h, 'needs_reauth')) },
    { name: 'error', cls: 's-bad', values: hours.map((h) => value(h, 'error')) },
  ]
  return { labels: hours.map(dayHourLabel), series }
}

const OUTCOMES: { name: string; cls: string; statuses: string[] }[] = [
  { name: 'succeeded', cls: 's-ok', statuses: ['succeeded'] },
  { name: 'failed', cls: 's-bad', statuses: ['failed', 'timed_out'] },
  { name: 'requires action', cls: 's-warn', statuses: ['requires_action'] },
  { name: 'other', cls: 's-muted', statuses: ['queued', 'running', 'waiting', 'canceled'] },
]

function last24Hours(now: number): number[] {
  const current = Math.floor(now / HOUR_MS) * HOUR_MS
  return Array.from({ length: 24 }, (_, i) => current - (23 - i) * HOUR_MS)
}

function runsChart(rows: { hour: number; status: string; count: number }[], now: number): OverviewData['runsChart'] {
  const hours = last24Hours(now)
  return {
    labels: hours.map(hourLabel),
    series: OUTCOMES.map((o) => ({
      name: o.name,
      cls: o.cls,
      values: hours.map((h) => rows.filter((r) => r.hour === h && o.statuses.includes(r.status)).reduce((sum, r) => sum + r.count, 0)),
    })),
  }
}

function latencyChart(durations: { createdAt: number; ms: number }[], now: number): OverviewData['runLatencyChart'] {
  const hours = last24Hours(now)
  const byHour = hours.map((h) => durations.filter((d) => d.createdAt >= h && d.createdAt < h + HOUR_MS).map((d) => d.ms))
  return {
    labels: hours.map(hourLabel),
    series: [
      { name: 'p50', cls: 's-info', values: byHour.map((v) => quantile(v, 0.5)) },
      { name: 'p95', cls: 's-warn', values: byHour.map((v) => quantile(v, 0.95)) },
    ],
  }
}

import type { RunStatus } from '../db/schema.js'
import type { RunErrorJson } from './run-errors.js'
import type { RunRow } from './run-store.js'
import { isoTime } from '../lib/iso-time.js'

/** A run as the REST API, the SDK and the webhooks show it (docs/actions.md, "Runs"). */
export interface RunJson {
  id: string
  /** `<app>.<key>` */
  action: string
  action_version: string
  app: string
  connection_id: string
  status: RunStatus
  /** Attempts started so far. */
  attempt: number
  inputs?: Record<string, unknown>
  output: unknown
  error: (RunErrorJson & { connect_url?: string; connect_url_expires_at?: string }) | null
  metadata: Record<string, unknown> | null
  idempotency_key: string | null
  dry_run: boolean
  /** The output was over runs.maxOutputBytes and its longest lists were cut. */
  output_truncated: boolean
  /** When a waiting run is tried again. */
  retry_at: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  updated_at: string
}

const iso = (ms: number | string | null) => (ms === null ? null : isoTime(Number(ms)))

export function runJson(row: RunRow, options: { inputs: boolean } = { inputs: true }): RunJson {
  return {
    id: row.id,
    action: `${row.app_key}.${row.action_key}`,
    action_version: row.action_version,
    app: row.app_key,
    connection_id: row.connection_id,
    status: row.status,
    attempt: Number(row.attempt),
    ...(options.inputs ? { inputs: JSON.parse(row.inputs) as Record<string, unknown> } : {}),
    output: row.output === null ? null : (JSON.parse(row.output) as unknown),
    // A waiting run shows why it waits; once it succeeds the error is gone.
    error: row.error === null || row.status === 'succeeded' ? null : (JSON.parse(row.error) as RunErrorJson),
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    idempotency_key: row.idempotency_key,
    dry_run: Boolean(Number(row.dry_run)),
    output_truncated: Boolean(Number(row.output_truncated ?? 0)),
    retry_at: row.status === 'waiting' ? iso(row.retry_at) : null,
    created_at: iso(row.created_at) as string,
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    updated_at: iso(row.updated_at) as string,
  }
}

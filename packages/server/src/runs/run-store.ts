import { type Insertable, type Kysely, type RawBuilder, type Selectable, sql, type Transaction } from 'kysely'
import type pg from 'pg'
import type { Owner } from '../connections/connection-types.js'
import { CHANGE_CHANNEL } from '../db/change-feed.js'
import type { Database, RunLogsTable, RunsTable, RunStatus, WebhookEventsTable } from '../db/schema.js'
import { rowLimit } from '../db/row-limit.js'
import { statementName } from '../db/statement-name.js'
import { GroupCommit } from '../lib/group-commit.js'
import { decodePageCursor, encodePageCursor } from '../lib/page-cursor.js'

export type RunRow = Selectable<RunsTable>

/** The run's connection as a claim on PostgreSQL reads it along (null: gone); the executor reads it itself otherwise. */
export interface ClaimedConnection {
  status: string
  status_reason: string | null
  account_identifier: string | null
  /** JSON text */
  metadata: string
  /** JSON text: the scopes the connection was granted. */
  scopes: string
}

/** The partner's own ids of the run's end user (null once the user is gone), as in the connection events. */
export interface EndUserJson {
  tenant_id: string | null
  user_id: string | null
}

/** PostgreSQL's claim also reads the connection and the end user's ids (for the run's webhook). */
export type ClaimedRun = RunRow & { connection?: ClaimedConnection | null; endUser?: EndUserJson }
export type Db = Kysely<Database> | Transaction<Database>

export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'canceled', 'timed_out', 'requires_action']
export const isTerminal = (status: RunStatus): boolean => TERMINAL_STATUSES.includes(status)

export interface ListRunsOptions {
  status?: RunStatus
  action?: string
  connectionId?: string
  cursor?: string
  limit: number
}

/** The end of an attempt: the columns it sets (status and what goes with it). */
export interface RunEnd {
  status: RunStatus
  output?: string | null
  /** The output was cut to fit runs.maxOutputBytes. */
  outputTruncated?: boolean
  error?: string | null
  retryAt?: number | null
}

/** A queued run, or a waiting one whose retry time has come: what a claim of due runs matches. */
const dueAt = (now: number) => sql`(r.status = 'queued' or (r.status = 'waiting' and coalesce(r.retry_at, 0) <= ${now}))`

/**
 * Every column of `runs`, each named (the compiler checks the list is whole): the claim is a prepared statement,
 * and one returning `r.*` would fail on every connection that prepared it ("cached plan must not change result
 * type") once a migration adds a column while the process runs.
 */
const runColumns = sql.join(
  Object.keys({
    id: true,
    partner_id: true,
    end_user_id: true,
    connection_id: true,
    app_key: true,
    action_key: true,
    action_version: true,
    status: true,
    attempt: true,
    inputs: true,
    output: true,
    error: true,
    metadata: true,
    idempotency_key: true,
    request_hash: true,
    timeout_ms: true,
    dry_run: true,
    output_truncated: true,
    webhook: true,
    retry_at: true,
    lease_owner: true,
    lease_expires_at: true,
    cancel_requested_at: true,
    created_at: true,
    started_at: true,
    finished_at: true,
    updated_at: true,
  } satisfies Record<keyof RunsTable, true>).map((column) => sql.ref(`r.${column}`)),
)

/** A claim whose statement failed (its job is tried again by the queue). */
class ClaimFailed {
  constructor(readonly cause: unknown) {}
}

/** An attempt's common end (terminal, nothing logged, nothing scheduled) with its outbox row. */
interface AnnouncedEnd {
  id: string
  worker: string
  end: { status: RunStatus; output: string | null; error: string | null }
  event: Insertable<WebhookEventsTable> | undefined
  /** When the attempt ended: the row's finished_at and the event's times, as the event payload says. */
  now: number
}

/** Every SQL statement on `runs` and `run_logs` (docs/architecture.md, "Where each flow lives"). */
export class RunStore {
  /** PostgreSQL: claims of due runs made at the same time share one statement (group commit). */
  private readonly dueClaims: GroupCommit<{ id: string; worker: string; leaseMs: number }, ClaimedRun | ClaimFailed | undefined>
  /** PostgreSQL: common ends made at the same time share one statement. */
  private readonly ends: GroupCommit<AnnouncedEnd, boolean>

  /** Prepared-statement names of the engine's statements, by SQL text. */
  private readonly names = new Map<string, string>()

  constructor(
    private readonly db: Kysely<Database>,
    /** SQLite has no row locks (one writer at a time); PostgreSQL locks the row being claimed. */
    private readonly postgres: boolean,
    /** PostgreSQL: where the claim and the end run, as named statements with generic plans (PatchbayDatabase.pgGenericPool). */
    private readonly genericPool?: pg.Pool,
  ) {
    this.dueClaims = new GroupCommit((items) => this.claimDue(items))
    // Outputs travel in the statement: a batch carries at most about 16 MiB of them.
    this.ends = new GroupCommit((items) => this.endAnnounced(items), {
      weight: (item) => (item.end.output?.length ?? 0) + (item.event?.payload?.length ?? 0),
      maxWeight: 16 * 1024 * 1024,
    })
  }

  /** The engine's claim and end statements: named, on the generic-plan pool when there is one (parsed and planned once per connection). */
  private async engineQuery<R>(query: RawBuilder<R>): Promise<R[]> {
    const compiled = query.compile(this.db)
    if (!this.genericPool) return (await this.db.executeQuery(compiled)).rows
    let name = this.names.get(compiled.sql)
    if (name === undefined) {
      name = statementName('pb_r_', compiled.sql)
      this.names.set(compiled.sql, name)
    }
    return (await this.genericPool.query<R & pg.QueryResultRow>({ name, text: compiled.sql, values: [...compiled.parameters] })).rows
  }

  /**
   * PostgreSQL: opens the engine's connections and prepares its claim and end there (with nothing to
   * claim or end), so that a process's first runs do not wait for new backends and their first plans
   * (an MCP call answers within `mcp.waitMs`). Called once execution starts.
   */
  async prepareEngine(): Promise<void> {
    if (!this.genericPool) return
    const now = Date.now()
    const warm = async () => {
      await this.claimWhere(dueAt(now), [], '', 0, now, 'queued')
      await this.endAnnounced([])
    }
    await Promise.all([warm(), warm()])
  }

  async insert(db: Db, row: Insertable<RunsTable>): Promise<void> {
    await db.insertInto('runs').values(row).execute()
  }

  async get(owner: Owner, id: string, db: Db = this.db): Promise<RunRow | undefined> {
    return db
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', id)
      .where('partner_id', '=', owner.partnerId)
      .where('end_user_id', '=', owner.endUserId)
      .executeTakeFirst()
  }

  async byId(id: string, db: Db = this.db): Promise<RunRow | undefined> {
    return db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async byIdempotencyKey(owner: Owner, key: string): Promise<RunRow | undefined> {
    return this.db
      .selectFrom('runs')
      .selectAll()
      .where('partner_id', '=', owner.partnerId)
      .where('end_user_id', '=', owner.endUserId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst()
  }

  async list(owner: Owner, options: ListRunsOptions): Promise<{ rows: RunRow[]; nextCursor: string | null }> {
    const after = options.cursor === undefined ? undefined : decodePageCursor(options.cursor)
    const [app, key] = options.action ? splitActionId(options.action) : [undefined, undefined]
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('partner_id', '=', owner.partnerId)
      .where('end_user_id', '=', owner.endUserId)
      .$if(options.status !== undefined, (q) => q.where('status', '=', options.status as RunStatus))
      .$if(app !== undefined, (q) => q.where('app_key', '=', app as string).where('action_key', '=', key as string))
      .$if(options.connectionId !== undefined, (q) => q.where('connection_id', '=', options.connectionId as string))
      .$if(after !== undefined, (q) =>
        q.where(({ eb, refTuple, tuple }) => {
          const [createdAt, id] = after as [number, string]
          // One index range on both databases (bench/scale.mjs: an OR made deep pages slower).
          return eb(refTuple('created_at', 'id'), '<', tuple(createdAt, id))
        }),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(rowLimit(options.limit + 1))
      .execute()
    const more = rows.length > options.limit
    const page = more ? rows.slice(0, options.limit) : rows
    const last = page[page.length - 1]
    return { rows: page, nextCursor: more && last ? encodePageCursor(Number(last.created_at), last.id) : null }
  }

  /**
   * Starts an attempt if the run is due: queued, waiting, or running under a lease that has run out
   * (its process died). Returns the row as it was before (status and attempt), or undefined when
   * another worker has it or it has ended. One statement on PostgreSQL (the row locked by the
   * update's own subquery); a transaction on SQLite, whose writers take turns anyway.
   */
  async claim(id: string, worker: string, leaseMs: number, now: number): Promise<ClaimedRun | undefined> {
    if (this.postgres) {
      // Due (queued, or waiting past its time) first: the common case, one statement. Then a running
      // attempt whose lease ran out. Two workers on one run: the second's update waits for the first's
      // row lock, then finds the row running under a live lease and matches neither.
      // (Queued or waiting: an attempt starts the same way from either, so the first is reported as queued.)
      const due = await this.dueClaims.add({ id, worker, leaseMs })
      if (due instanceof ClaimFailed) throw due.cause
      if (due) return due
      return (
        await this.claimWhere(
          sql`r.status = 'running' and (r.lease_expires_at is null or r.lease_expires_at <= ${now})`,
          [id],
          worker,
          leaseMs,
          now,
          'running',
        )
      ).get(id)
    }
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst()
      if (!row) return undefined
      const expired = row.status === 'running' && (row.lease_expires_at === null || Number(row.lease_expires_at) <= now)
      const due = row.status === 'queued' || (row.status === 'waiting' && Number(row.retry_at ?? 0) <= now)
      if (!due && !expired) return undefined
      await trx
        .updateTable('runs')
        .set({
          status: 'running',
          attempt: Number(row.attempt) + 1,
          lease_owner: worker,
          lease_expires_at: now + leaseMs,
          retry_at: null,
          started_at: row.started_at ?? now,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute()
      return row
    })
  }

  /**
   * PostgreSQL: starts an attempt if the row matches `due`, reading along what the attempt needs
   * (the connection, the end user's ids for the webhook). The row comes back with the status it had
   * (`was`) and its attempt count before this one.
   */
  private async claimWhere(
    due: RawBuilder<unknown>,
    ids: string[],
    worker: string,
    leaseMs: number,
    now: number,
    was: RunStatus,
  ): Promise<Map<string, ClaimedRun>> {
    const rows = await this.engineQuery(sql<RunRow & { connection: ClaimedConnection | null; end_user: EndUserJson | null }>`
      update runs as r
      set status = 'running', attempt = r.attempt + 1, lease_owner = ${worker}, lease_expires_at = ${now + leaseMs},
          retry_at = null, started_at = coalesce(r.started_at, ${now}), updated_at = ${now}
      where r.id = any(${ids}::text[]) and ${due}
      returning ${runColumns},
        (select json_build_object('status', c.status, 'status_reason', c.status_reason,
                                  'account_identifier', c.account_identifier, 'metadata', c.metadata,
                                  'scopes', c.scopes)
         from connections c
         where c.id = r.connection_id and c.partner_id = r.partner_id and c.end_user_id = r.end_user_id) as connection,
        (select json_build_object('tenant_id', eu.tenant_id, 'user_id', eu.external_id)
         from end_users eu where eu.id = r.end_user_id and eu.partner_id = r.partner_id) as end_user`)
    const claimed = new Map<string, ClaimedRun>()
    for (const { end_user: endUser, ...rest } of rows) {
      claimed.set(rest.id, {
        ...rest,
        status: was,
        attempt: Number(rest.attempt) - 1,
        endUser: endUser ?? { tenant_id: null, user_id: null },
      })
    }
    return claimed
  }

  /** One statement for the due claims made together (one per worker and lease length, in practice one). */
  private async claimDue(items: { id: string; worker: string; leaseMs: number }[]): Promise<(ClaimedRun | ClaimFailed | undefined)[]> {
    const now = Date.now()
    const claimed = new Map<string, ClaimedRun>()
    const groups = new Map<string, { worker: string; leaseMs: number; ids: string[] }>()
    for (const { id, worker, leaseMs } of items) {
      const key = `${worker} ${leaseMs}`
      const group = groups.get(key) ?? { worker, leaseMs, ids: [] }
      group.ids.push(id)
      groups.set(key, group)
    }
    const failed = new Map<string, unknown>()
    for (const { worker, leaseMs, ids } of groups.values()) {
      try {
        const rows = await this.claimWhere(dueAt(now), [...new Set(ids)], worker, leaseMs, now, 'queued')
        for (const [id, row] of rows) claimed.set(id, row)
      } catch (err) {
        // This group's statement claimed nothing; the others' claims stand.
        for (const id of ids) failed.set(id, err)
      }
    }
    // A run asked for twice in one batch (two jobs for one run) is started once.
    return items.map(({ id }) => {
      if (failed.has(id)) return new ClaimFailed(failed.get(id))
      const row = claimed.get(id)
      claimed.delete(id)
      return row
    })
  }

  /** Extends this worker's lease; returns false when the attempt is no longer its own, and whether a cancel was asked. */
  async heartbeat(id: string, worker: string, leaseMs: number, now: number): Promise<{ owned: boolean; cancelRequested: boolean }> {
    const row = await this.db
      .updateTable('runs')
      .set({ lease_expires_at: now + leaseMs })
      .where('id', '=', id)
      .where('lease_owner', '=', worker)
      .where('status', '=', 'running')
      .returning('cancel_requested_at')
      .executeTakeFirst()
    return { owned: row !== undefined, cancelRequested: row?.cancel_requested_at != null }
  }

  /** Ends this worker's attempt (in the caller's transaction): the row as it is now, or undefined when it was no longer its own. */
  async end(trx: Db, id: string, worker: string, end: RunEnd, now: number): Promise<RunRow | undefined> {
    const terminal = isTerminal(end.status)
    const result = await trx
      .updateTable('runs')
      .set({
        status: end.status,
        ...(end.output !== undefined ? { output: end.output } : {}),
        ...(end.outputTruncated ? { output_truncated: 1 } : {}),
        ...(end.error !== undefined ? { error: end.error } : {}),
        retry_at: end.retryAt ?? null,
        lease_owner: null,
        lease_expires_at: null,
        ...(terminal ? { finished_at: now } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .where('lease_owner', '=', worker)
      .where('status', '=', 'running')
      .returningAll()
      .executeTakeFirst()
    return result
  }

  /**
   * PostgreSQL's one-statement end of an attempt that leaves no log lines and schedules nothing (the
   * common case): the update, its outbox row (`event`, already built from the row as it will be),
   * and the change notification that wakes long polls, in one round trip instead of five (the run
   * benchmark's throughput, BENCHMARKS.md "Runs"). False when the attempt was no longer this worker's.
   */
  async endAndAnnounce(
    id: string,
    worker: string,
    end: { status: RunStatus; output: string | null; error: string | null },
    event: Insertable<WebhookEventsTable> | undefined,
    now: number,
  ): Promise<boolean> {
    return this.ends.add({ id, worker, end, event, now })
  }

  /** The ends made together, in one statement: the updates, their outbox rows, their notifications. */
  private async endAnnounced(all: AnnouncedEnd[]): Promise<boolean[]> {
    // One end per run in a statement (a second one for the same run could only be refused anyway).
    const seen = new Set<string>()
    const items = all.filter((i) => !seen.has(i.id) && seen.add(i.id))
    const events = items.filter((i) => i.event !== undefined)
    const event = (i: AnnouncedEnd) => i.event as Insertable<WebhookEventsTable>
    // Arrays, not a VALUES list: one statement text for any number of ends, so its plan is kept.
    const rows = await this.engineQuery(sql<{ id: string }>`
      with v as (
        select * from unnest(${items.map((i) => i.id)}::text[], ${items.map((i) => i.worker)}::text[],
          ${items.map((i) => i.end.status)}::text[], ${items.map((i) => i.end.output)}::text[],
          ${items.map((i) => i.end.error)}::text[], ${items.map((i) => i.now)}::bigint[])
        as v (id, worker, status, output, error, at)),
      u as (
        update runs as r set status = v.status, output = v.output, error = v.error, retry_at = null,
          lease_owner = null, lease_expires_at = null, finished_at = v.at, updated_at = v.at
        from v
        where r.id = v.id and r.lease_owner = v.worker and r.status = 'running'
        returning r.id),
      e as (
        insert into webhook_events (id, partner_id, type, payload, status, next_attempt_at, locked_until, created_at, updated_at)
        select ev.id, ev.partner_id, ev.type, ev.payload, 'pending', ev.at, null, ev.at, ev.at
        from unnest(${events.map((i) => i.id)}::text[], ${events.map((i) => event(i).id)}::text[],
          ${events.map((i) => event(i).partner_id)}::text[], ${events.map((i) => event(i).type)}::text[],
          ${events.map((i) => event(i).payload)}::text[], ${events.map((i) => i.now)}::bigint[])
          as ev (run_id, id, partner_id, type, payload, at)
        join u on u.id = ev.run_id)
      select u.id, pg_notify(${CHANGE_CHANNEL}, current_schema() || ' run:' || u.id) from u`)
    const ended = new Set(rows.map((r) => r.id))
    const first = new Set<AnnouncedEnd>(items)
    return all.map((i) => first.has(i) && ended.has(i.id))
  }

  /** Ends a run that is not running (a cancel before it started, an interrupted write); false when it moved on meanwhile. */
  async endIdle(trx: Db, id: string, from: RunStatus[], end: RunEnd, now: number): Promise<boolean> {
    const result = await trx
      .updateTable('runs')
      .set({
        status: end.status,
        ...(end.error !== undefined ? { error: end.error } : {}),
        retry_at: null,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: now,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async requestCancel(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('runs')
      .set({ cancel_requested_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('cancel_requested_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Runs the embedded runner should look at now (oldest first), and when the next waiting one is due. */
  async due(now: number, limit: number): Promise<{ ids: string[]; nextAt: number | null }> {
    const rows = await this.db
      .selectFrom('runs')
      .select(['id'])
      .where(({ eb, or, and }) =>
        or([
          eb('status', '=', 'queued'),
          and([eb('status', '=', 'waiting'), eb('retry_at', '<=', now)]),
          and([eb('status', '=', 'running'), eb('lease_expires_at', '<=', now)]),
        ]),
      )
      .orderBy('created_at')
      .limit(limit)
      .execute()
    const next = await this.db
      .selectFrom('runs')
      .select((eb) => eb.fn.min('retry_at').as('at'))
      .where('status', '=', 'waiting')
      .executeTakeFirst()
    const lease = await this.db
      .selectFrom('runs')
      .select((eb) => eb.fn.min('lease_expires_at').as('at'))
      .where('status', '=', 'running')
      .executeTakeFirst()
    const times = [next?.at, lease?.at].filter((t): t is number => t !== null && t !== undefined).map(Number)
    return { ids: rows.map((r) => r.id), nextAt: times.length ? Math.min(...times) : null }
  }

  /** Running attempts whose lease ran out: their workers are gone (PostgreSQL: unlock their jobs). */
  async expiredLeaseOwners(now: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('runs')
      .select('lease_owner')
      .distinct()
      .where('status', '=', 'running')
      .where('lease_expires_at', '<=', now)
      .where('lease_owner', 'is not', null)
      .execute()
    return rows.map((r) => r.lease_owner as string)
  }

  async appendLogs(trx: Db, runId: string, entries: Omit<Insertable<RunLogsTable>, 'run_id' | 'seq'>[]): Promise<void> {
    if (entries.length === 0) return
    const last = await trx
      .selectFrom('run_logs')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('run_id', '=', runId)
      .executeTakeFirst()
    const first = Number(last?.seq ?? 0) + 1
    await trx
      .insertInto('run_logs')
      .values(entries.map((entry, i) => ({ ...entry, run_id: runId, seq: first + i })))
      .execute()
  }

  async logs(runId: string): Promise<Selectable<RunLogsTable>[]> {
    return this.db.selectFrom('run_logs').selectAll().where('run_id', '=', runId).orderBy('seq').execute()
  }
}

/** `github.create_issue` → `['github', 'create_issue']` (app keys may hold dashes, never dots). */
export function splitActionId(id: string): [string, string] {
  const dot = id.lastIndexOf('.')
  return dot === -1 ? [id, ''] : [id.slice(0, dot), id.slice(dot + 1)]
}

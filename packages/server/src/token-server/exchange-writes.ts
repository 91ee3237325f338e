import type SqliteDatabase from 'better-sqlite3'
import type pg from 'pg'
import type { PatchbayDatabase } from '../db/database.js'
import { randomId } from '../lib/random.js'

/** What one successful exchange for an access token writes, all or nothing. */
export interface AccessTokenGrantRow {
  partnerId: string
  jti: string
  jtiExpiresAt: number
  tenantId: string
  externalId: string
  tokenHash: string
  scope: string
  expiresAt: number
  now: number
  /** null for the REST API; `mcp` for the MCP endpoint (docs/mcp.md). */
  resource: 'mcp' | null
  toolset: string | null
}

/**
 * The writes of a token exchange for an access token: mark the `jti` used, find or create the end
 * user, store the token. A replayed `jti` writes nothing and resolves `false`.
 *
 * This is the busiest write path of the server, so it skips Kysely's query builder (measured at a
 * third of the server's time per exchange on SQLite) and is written once per database:
 * - SQLite: prepared statements, and the exchanges that arrive within one event-loop turn commit
 *   together (one WAL append instead of one each), each in its own savepoint so a failure undoes
 *   only its own rows.
 * - PostgreSQL: one statement (data-modifying CTEs), so one round trip and an implicit transaction
 *   instead of six round trips; a named prepared statement, so the server plans it once per connection.
 */
export interface ExchangeWrites {
  issueAccessToken(grant: AccessTokenGrantRow): Promise<boolean>
}

export function createExchangeWrites(database: PatchbayDatabase): ExchangeWrites {
  if (database.sqlite) return new SqliteExchangeWrites(database.sqlite)
  if (database.pgPool) return new PostgresExchangeWrites(database.pgPool)
  throw new TypeError('no database connection for the token exchange')
}

interface Pending {
  grant: AccessTokenGrantRow
  resolve(marked: boolean): void
  reject(err: unknown): void
}

class SqliteExchangeWrites implements ExchangeWrites {
  private queue: Pending[] = []
  private scheduled = false
  private readonly writeOne: (grant: AccessTokenGrantRow) => boolean
  private readonly writeAll: (jobs: Pending[]) => Array<{ marked: boolean } | { error: unknown }>

  constructor(private readonly sqlite: SqliteDatabase.Database) {
    const markJti = sqlite.prepare('insert into used_jtis (partner_id, jti, expires_at) values (?, ?, ?) on conflict do nothing')
    const findUser = sqlite.prepare('select id from end_users where partner_id = ? and tenant_id = ? and external_id = ?').pluck()
    const touchUser = sqlite.prepare('update end_users set last_seen_at = ? where id = ?')
    const insertUser = sqlite.prepare(
      'insert into end_users (id, partner_id, tenant_id, external_id, created_at, last_seen_at) values (?, ?, ?, ?, ?, ?)',
    )
    const insertToken = sqlite.prepare(
      'insert into access_tokens (token_hash, partner_id, end_user_id, scope, expires_at, created_at, revoked_at, resource, toolset) values (?, ?, ?, ?, ?, ?, null, ?, ?)',
    )
    // A nested better-sqlite3 transaction is a savepoint: a throw rolls back this grant's rows only.
    this.writeOne = sqlite.transaction((g: AccessTokenGrantRow) => {
      if (markJti.run(g.partnerId, g.jti, g.jtiExpiresAt).changes === 0) return false
      let userId = findUser.get(g.partnerId, g.tenantId, g.externalId) as string | undefined
      if (userId) {
        touchUser.run(g.now, userId)
      } else {
        userId = randomId('usr_')
        insertUser.run(userId, g.partnerId, g.tenantId, g.externalId, g.now, g.now)
      }
      insertToken.run(g.tokenHash, g.partnerId, userId, g.scope, g.expiresAt, g.now, g.resource, g.toolset)
      return true
    })
    this.writeAll = sqlite.transaction((jobs: Pending[]) =>
      jobs.map((job) => {
        try {
          return { marked: this.writeOne(job.grant) }
        } catch (error) {
          return { error }
        }
      }),
    )
  }

  issueAccessToken(grant: AccessTokenGrantRow): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ grant, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(this.flush)
      }
    })
  }

  private readonly flush = (): void => {
    // Kysely shares this connection: while one of its transactions is open (awaiting between
    // statements), our statements would land inside it. Wait for it to end.
    if (this.sqlite.inTransaction) {
      setTimeout(this.flush, 1)
      return
    }
    const jobs = this.queue
    this.queue = []
    this.scheduled = false
    let results: ReturnType<typeof this.writeAll>
    try {
      results = this.writeAll(jobs)
    } catch (err) {
      for (const job of jobs) job.reject(err)
      return
    }
    results.forEach((result, i) => {
      const job = jobs[i] as Pending
      if ('error' in result) job.reject(result.error)
      else job.resolve(result.marked)
    })
  }
}

class PostgresExchangeWrites implements ExchangeWrites {
  // Every CTE sees the same snapshot and the statement is one transaction: when the jti is already
  // used, `jti` is empty, so no end user is touched and no token is stored.
  private static readonly statement = `
    with jti as (
      insert into used_jtis (partner_id, jti, expires_at) values ($1, $2, $3::bigint)
      on conflict (partner_id, jti) do nothing
      returning 1
    ), usr as (
      insert into end_users (id, partner_id, tenant_id, external_id, created_at, last_seen_at)
      select $4, $1, $5, $6, $7::bigint, $7::bigint where exists (select 1 from jti)
      on conflict (partner_id, tenant_id, external_id) do update set last_seen_at = excluded.last_seen_at
      returning id
    ), tok as (
      insert into access_tokens (token_hash, partner_id, end_user_id, scope, expires_at, created_at, revoked_at, resource, toolset)
      select $8, $1, usr.id, $9, $10::bigint, $7::bigint, null, $11, $12 from usr
      returning 1
    )
    select (select count(*) from tok)::int as issued`

  constructor(private readonly pool: pg.Pool) {}

  async issueAccessToken(g: AccessTokenGrantRow): Promise<boolean> {
    const { rows } = await this.pool.query<{ issued: number }>({
      name: 'patchbay_exchange_access_token',
      text: PostgresExchangeWrites.statement,
      values: [
        g.partnerId,
        g.jti,
        g.jtiExpiresAt,
        randomId('usr_'),
        g.tenantId,
        g.externalId,
        g.now,
        g.tokenHash,
        g.scope,
        g.expiresAt,
        g.resource,
        g.toolset,
      ],
    })
    return rows[0]?.issued === 1
  }
}

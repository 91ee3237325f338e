import { sql } from 'kysely'
import { ChangeCache, type Change } from '../db/change-feed.js'
import type { PatchbayDatabase } from '../db/database.js'
import type { ConnectionStatus } from '../db/schema.js'
import { QueryTemplate } from '../db/query-template.js'
import { rowLimit } from '../db/row-limit.js'
import { decodePageCursor, encodePageCursor } from '../lib/page-cursor.js'
import type { Connection, Owner } from './connection-types.js'

/** What a page may be narrowed to. `endUserId` is Patchbay's id; `tenantId`/`userId` the partner's. */
export interface ListingScope {
  partnerId: string
  endUserId?: string | undefined
  tenantId?: string | undefined
  userId?: string | undefined
  id?: string | undefined
  app?: string | undefined
  status?: ConnectionStatus | undefined
}

export interface PageRequest {
  /** 1 to 100. */
  limit: number
  /** `next_cursor` of the previous page. */
  cursor?: string | undefined
}

export interface Page<T> {
  data: T[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

export interface ListedConnection {
  connection: Connection
  endUser: { tenantId: string; userId: string }
}

/** Every column a listing shows: all but the credentials (never read to list), in this order. */
const COLUMNS = [
  'c.id',
  'c.partner_id',
  'c.end_user_id',
  'c.app_key',
  'c.auth_option',
  'c.auth_type',
  'c.name',
  'c.status',
  'c.status_reason',
  'c.account_identifier',
  'c.scopes',
  'c.params',
  'c.metadata',
  'c.expires_at',
  'c.version',
  'c.created_at',
  'c.updated_at',
  'c.refreshed_at',
  'c.refresh_started_at',
] as const

/** A listed row: the columns above, then (with the join) the end user's tenant and user ids. */
type Cells = unknown[]

type Column = (typeof COLUMNS)[number] extends `c.${infer Name}` ? Name : never
/** Each column's place in a row. */
const at = Object.fromEntries(COLUMNS.map((column, i) => [column.slice(2), i])) as Record<Column, number>

const optionalNumber = (v: unknown) => (v == null ? null : Number(v))

function connectionOf(r: Cells): Connection {
  return {
    id: r[at.id] as string,
    partnerId: r[at.partner_id] as string,
    endUserId: r[at.end_user_id] as string,
    appKey: r[at.app_key] as string,
    authOption: r[at.auth_option] as string,
    authType: r[at.auth_type] as string,
    name: r[at.name] as string | null,
    status: r[at.status] as ConnectionStatus,
    statusReason: r[at.status_reason] as string | null,
    accountIdentifier: r[at.account_identifier] as string | null,
    scopes: JSON.parse(r[at.scopes] as string) as string[],
    params: JSON.parse(r[at.params] as string) as Record<string, string>,
    metadata: JSON.parse(r[at.metadata] as string) as Record<string, string>,
    expiresAt: optionalNumber(r[at.expires_at]),
    version: Number(r[at.version]),
    createdAt: Number(r[at.created_at]),
    updatedAt: Number(r[at.updated_at]),
    refreshedAt: optionalNumber(r[at.refreshed_at]),
    refreshStartedAt: optionalNumber(r[at.refresh_started_at]),
  }
}

/** The change key of one end user's connections (ConnectionStore.changed publishes it on every write). */
export const connectionsKey = (owner: Owner): string => `${owner.partnerId} ${owner.endUserId}`

/** A change that drops cached listings: one end user's connections, or a partner (deleted: its rows go with it). */
const listingsAffected = (change: Change): string | 'all' | undefined =>
  change.topic === 'connections' ? change.key : change.topic === 'partner' ? 'all' : undefined

type Slot = 'partnerId' | 'endUserId' | 'tenantId' | 'userId' | 'id' | 'app' | 'status' | 'afterCreatedAt' | 'afterId'

/**
 * Pages of connections, oldest first (created_at, then id). `GET /v1/connections` is the REST API's
 * most frequent read (docs/architecture.md, "The read path"): each shape of page (which filters, which
 * limit) is compiled once and reused, an end user's own listing reads no other table, and the
 * credentials column is never read.
 *
 * With `cached`, an end user's first page without filters (what an app shows its user) is kept in memory
 * and dropped by the change feed when any process writes to that user's connections, as the access-token
 * cache is (docs/operations.md, "What each process keeps in memory"): reading it cost more than everything
 * else the request does (BENCHMARKS.md, "What bounds the listing").
 */
export class ConnectionListing {
  private readonly templates = new Map<string, QueryTemplate<unknown, Slot>>()
  /** By end user: the first page without filters, with the limit it was read with. */
  private readonly firstPages: ChangeCache<{ limit: number; page: Page<Connection> }> | undefined

  constructor(
    private readonly database: PatchbayDatabase,
    options: { cached?: boolean } = {},
  ) {
    // 2,000 users' pages: a few MiB for users with a handful of connections, 50 MiB at most (25 each),
    // and about half as much again for their answers, which the route keeps beside each page (routes/v1/connections.ts).
    if (options.cached) this.firstPages = new ChangeCache(database.changes, listingsAffected, { ttlMs: 60_000, max: 2_000 })
  }

  /** One end user's connections (`scope.endUserId` set). */
  async ofEndUser(scope: ListingScope & { endUserId: string }, page: PageRequest): Promise<Page<Connection>> {
    const read = async () => pageOf(await this.rows(scope, page, false), page.limit, connectionOf)
    const cache = this.firstPages
    const narrowed = [scope.id, scope.tenantId, scope.userId, scope.app, scope.status].some((v) => v !== undefined)
    if (!cache || page.cursor !== undefined || narrowed) return read()
    const key = connectionsKey({ partnerId: scope.partnerId, endUserId: scope.endUserId })
    const kept = cache.peek(key)
    if (kept) return kept.limit === page.limit ? kept.page : read()
    const loaded = await cache.get(key, async () => ({ limit: page.limit, page: await read() }))
    return (loaded as { page: Page<Connection> }).page
  }

  /** Connections with their end user's ids (the operator API, the console). */
  async withEndUsers(scope: ListingScope, page: PageRequest): Promise<Page<ListedConnection>> {
    const rows = await this.rows(scope, page, true)
    const joined = COLUMNS.length
    return pageOf(rows, page.limit, (r) => ({
      connection: connectionOf(r),
      endUser: { tenantId: r[joined] as string, userId: r[joined + 1] as string },
    }))
  }

  private async rows(scope: ListingScope, page: PageRequest, withEndUser: boolean): Promise<Cells[]> {
    const after = page.cursor === undefined ? undefined : decodePageCursor(page.cursor)
    const values: Record<Slot, unknown> = {
      partnerId: scope.partnerId,
      endUserId: scope.endUserId,
      tenantId: scope.tenantId,
      userId: scope.userId,
      id: scope.id,
      app: scope.app,
      status: scope.status,
      afterCreatedAt: after?.[0],
      afterId: after?.[1],
    }
    const template = this.template(scope, after !== undefined, page.limit + 1, withEndUser)
    return template.arrays(values)
  }

  private template(scope: ListingScope, paged: boolean, limit: number, withEndUser: boolean): QueryTemplate<unknown, Slot> {
    // The end user's ids come from a join, which a filter on them needs too.
    const join = withEndUser || scope.tenantId !== undefined || scope.userId !== undefined
    const has = (v: unknown) => (v === undefined ? '0' : '1')
    const key = `${join ? 'j' : '-'}${has(scope.endUserId)}${has(scope.tenantId)}${has(scope.userId)}${has(scope.id)}${has(scope.app)}${has(scope.status)}${paged ? '1' : '0'}:${limit}`
    let template = this.templates.get(key)
    if (!template) {
      template = new QueryTemplate<unknown, Slot>(this.database, (slot) =>
        this.database.db
          .selectFrom('connections as c')
          .select(COLUMNS)
          .$if(join, (q) =>
            q
              .innerJoin('end_users as u', (on) => on.onRef('u.id', '=', 'c.end_user_id').onRef('u.partner_id', '=', 'c.partner_id'))
              .select(['u.tenant_id as end_user_tenant_id', 'u.external_id as end_user_external_id']),
          )
          .where('c.partner_id', '=', slot('partnerId'))
          .$if(scope.id !== undefined, (q) => q.where('c.id', '=', slot('id')))
          .$if(scope.endUserId !== undefined, (q) => q.where('c.end_user_id', '=', slot('endUserId')))
          // sql.ref: the join is added under $if, which the builder's types do not follow.
          .$if(scope.tenantId !== undefined, (q) => q.where(sql.ref('u.tenant_id'), '=', slot('tenantId')))
          .$if(scope.userId !== undefined, (q) => q.where(sql.ref('u.external_id'), '=', slot('userId')))
          .$if(scope.app !== undefined, (q) => q.where('c.app_key', '=', slot('app')))
          .$if(scope.status !== undefined, (q) => q.where('c.status', '=', slot('status')))
          // A row-value comparison, which both databases turn into one index range (an OR of the two
          // cases is filtered row by row on PostgreSQL: pages got slower the deeper they were; bench/scale.mjs).
          .$if(paged, (q) =>
            q.where(({ eb, refTuple, tuple }) => eb(refTuple('c.created_at', 'c.id'), '>', tuple(slot('afterCreatedAt'), slot('afterId')))),
          )
          .orderBy('c.created_at', 'asc')
          .orderBy('c.id', 'asc')
          .limit(rowLimit(limit)),
      )
      // Shapes are few (seven filters present or not, limits 2 to 101); the bound is a safeguard.
      if (this.templates.size >= 2_000) this.templates.clear()
      this.templates.set(key, template)
    }
    return template
  }
}

function pageOf<T>(rows: Cells[], limit: number, map: (row: Cells) => T): Page<T> {
  const shown = rows.length > limit ? rows.slice(0, limit) : rows
  const last = shown[shown.length - 1]
  return {
    data: shown.map(map),
    nextCursor: rows.length > limit && last ? encodePageCursor(Number(last[at.created_at]), last[at.id] as string) : null,
  }
}

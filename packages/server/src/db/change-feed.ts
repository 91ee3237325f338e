import type SqliteDatabase from 'better-sqlite3'
import { type Kysely, sql } from 'kysely'
import type pg from 'pg'
import { pg as loadPg } from '../lib/optional-modules.js'
import type { Database } from './schema.js'

/**
 * What changed: a partner row (by id), one access token (by its hash), an action run (by id: long polls
 * wake), a partner's MCP toolsets (by partner id), or one end user's connections (by `<partner id> <end
 * user id>`: the listing's cache, connections/connection-listing.ts).
 */
export type ChangeTopic = 'partner' | 'access_token' | 'run' | 'toolset' | 'connections'
export interface Change {
  topic: ChangeTopic
  key: string
}
/** `undefined` means "anything may have changed": drop every cached row. */
export type ChangeListener = (change: Change | undefined) => void

/**
 * Tells in-process caches when rows they hold were written, by this process or any other on the same
 * database, so a cache can serve hot reads (partner by client id, access token by hash) without ever
 * outliving a write: a rotated client secret or a deleted partner stops working everywhere at once.
 *
 * - SQLite: one server process by design, but the CLI writes to the same file. `PRAGMA data_version`
 *   changes when another connection commits; `live()` checks it (at most every
 *   {@link SQLITE_CHANGE_CHECK_MS}) and resets the caches when it moved. The CLI waits that long
 *   (`settle()`) after its writes, so once a command has returned, the server sees the change.
 * - PostgreSQL: writers `NOTIFY` in the writing transaction (delivered at commit); each server process
 *   `LISTEN`s on a connection of its own. While that connection is down, `live()` is false and caches
 *   are bypassed, since a change could be missed; they are reset when it is back.
 */
export interface ChangeFeed {
  /** True while caches may serve from memory. */
  live(): boolean
  /** Announces a write; give the write's own executor so PostgreSQL delivers it only if it commits. */
  publish(db: Kysely<Database>, change: Change): Promise<void>
  /**
   * Resolves once every other process on the database reflects what this one published (SQLite: the
   * check window has passed; PostgreSQL: at once, the notifications left at commit).
   */
  settle(): Promise<void>
  /** Starts listening (PostgreSQL) on first use; returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void
  close(): Promise<void>
}

abstract class ListenerSet {
  private readonly listeners = new Set<ChangeListener>()

  protected emit(change: Change | undefined): void {
    for (const listener of this.listeners) listener(change)
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener)
    this.started()
    return () => this.listeners.delete(listener)
  }

  protected started(): void {}
}

/**
 * How stale a server's view of another process's writes can be on SQLite. Reading `data_version`
 * opens a WAL read transaction (file locks, several system calls): done on every request it was 8 %
 * of a proxied call; done once a millisecond still ~20 µs per call at 4,000 calls a second. Requests
 * within this window share one reading; a writer in another process waits it out (`settle()`).
 */
export const SQLITE_CHANGE_CHECK_MS = 50

export class SqliteChangeFeed extends ListenerSet implements ChangeFeed {
  private readonly dataVersion: SqliteDatabase.Statement
  private seen: number
  private checkedAt = -Infinity
  private published = false

  constructor(sqlite: SqliteDatabase.Database) {
    super()
    this.dataVersion = sqlite.prepare('pragma data_version').pluck()
    this.seen = this.dataVersion.get() as number
  }

  live(): boolean {
    const now = performance.now()
    if (now - this.checkedAt < SQLITE_CHANGE_CHECK_MS) return true
    this.checkedAt = now
    const version = this.dataVersion.get() as number
    if (version !== this.seen) {
      this.seen = version
      this.emit(undefined)
    }
    return true
  }

  async publish(_db: Kysely<Database>, change: Change): Promise<void> {
    this.published = true
    this.emit(change)
  }

  /**
   * After publishing (the CLI rotated a secret, deleted a partner…), waits until a server reading the
   * same file has checked `data_version` since the commit: when the command returns, it is in force.
   */
  async settle(): Promise<void> {
    if (this.published) await new Promise((resolve) => setTimeout(resolve, SQLITE_CHANGE_CHECK_MS + 1))
  }

  async close(): Promise<void> {}
}

const RECONNECT_MIN_MS = 250
const RECONNECT_MAX_MS = 30_000

/** The NOTIFY channel; a payload is `<schema> <topic>:<key>` (see {@link PostgresChangeFeed.publish}). */
export const CHANGE_CHANNEL = 'patchbay_changes'
const CHANNEL = CHANGE_CHANNEL

export class PostgresChangeFeed extends ListenerSet implements ChangeFeed {
  private client: pg.Client | undefined
  /** The schema this process works in (its search_path), learnt when the listener connects. */
  private schema: string | undefined
  private listening = false
  private closed = false
  private retryMs = RECONNECT_MIN_MS
  private retryTimer: NodeJS.Timeout | undefined

  /**
   * `searchPath` is the pool's own (when Patchbay is told a schema); otherwise the connection
   * string's. Notifications carry the writer's `current_schema()`, so several Patchbay installations
   * in one database (one schema each) do not empty each other's caches.
   */
  constructor(
    private readonly connectionString: string,
    private readonly searchPath: string | undefined,
  ) {
    super()
  }

  live(): boolean {
    return this.listening
  }

  async publish(db: Kysely<Database>, change: Change): Promise<void> {
    // Emitted here as well: this process's caches must not wait for the notification's round trip.
    this.emit(change)
    await sql`select pg_notify(${CHANNEL}, current_schema() || ' ' || ${`${change.topic}:${change.key}`})`.execute(db)
  }

  protected override started(): void {
    if (!this.client && !this.closed && !this.retryTimer) void this.connect()
  }

  private async connect(): Promise<void> {
    const client = new (loadPg().Client)({
      connectionString: this.connectionString,
      application_name: 'patchbay change listener',
      ...(this.searchPath ? { options: `-c search_path=${this.searchPath}` } : {}),
    })
    this.client = client
    const lost = () => {
      if (this.client !== client) return
      this.client = undefined
      this.listening = false
      this.emit(undefined)
      client.end().catch(() => {})
      if (!this.closed) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined
          void this.connect()
        }, this.retryMs)
        this.retryTimer.unref()
        this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS)
      }
    }
    client.on('error', lost)
    client.on('end', lost)
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL) return
      const payload = message.payload ?? ''
      const space = payload.indexOf(' ')
      if (payload.slice(0, space) !== this.schema) return
      const change = payload.slice(space + 1)
      const colon = change.indexOf(':')
      const topic = change.slice(0, colon)
      if (topic === 'partner' || topic === 'access_token' || topic === 'run' || topic === 'toolset' || topic === 'connections') {
        this.emit({ topic, key: change.slice(colon + 1) })
      } else this.emit(undefined)
    })
    try {
      await client.connect()
      const { rows } = await client.query<{ schema: string }>('select current_schema() as schema')
      this.schema = rows[0]?.schema
      await client.query(`listen ${CHANNEL}`)
      if (this.client !== client) return
      // Anything written while not listening is unknown: start from empty caches.
      this.emit(undefined)
      this.listening = true
      this.retryMs = RECONNECT_MIN_MS
    } catch {
      lost()
    }
  }

  /** The listener's backend pid, for operators (and tests) looking for it in pg_stat_activity. */
  get listenerPid(): number | undefined {
    return this.listening ? (this.client as (pg.Client & { processID?: number }) | undefined)?.processID : undefined
  }

  async settle(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true
    this.listening = false
    clearTimeout(this.retryTimer)
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => {})
  }
}

/**
 * A read-through cache whose entries a ChangeFeed invalidates. A read that started before a change
 * but finished after it is not stored (the generation moved), so a stale row cannot slip in.
 */
export class ChangeCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>()
  private generation = 0

  constructor(
    private readonly feed: ChangeFeed,
    /** Which changes drop which entries: a key to delete, 'all', or nothing. */
    private readonly affected: (change: Change) => string | 'all' | undefined,
    private readonly options: { ttlMs: number; max: number },
  ) {
    feed.subscribe((change) => {
      const key = change ? this.affected(change) : 'all'
      // A change this cache does not hold (a run's) leaves reads under way storable.
      if (key === undefined) return
      this.generation++
      if (key === 'all') this.entries.clear()
      else if (key !== undefined) this.entries.delete(key)
    })
  }

  async get(key: string, load: () => Promise<V | undefined>, now: number = Date.now()): Promise<V | undefined> {
    if (!this.feed.live()) return load()
    const hit = this.entries.get(key)
    if (hit && now - hit.at < this.options.ttlMs) return hit.value
    const generation = this.generation
    const value = await load()
    if (value !== undefined && generation === this.generation && this.feed.live()) {
      if (this.entries.size >= this.options.max) this.entries.delete(this.entries.keys().next().value as string)
      this.entries.set(key, { value, at: now })
    }
    return value
  }

  /** The entry when it can be served now without a read (the synchronous hot path); undefined otherwise. */
  peek(key: string, now: number = Date.now()): V | undefined {
    if (!this.feed.live()) return undefined
    const hit = this.entries.get(key)
    return hit && now - hit.at < this.options.ttlMs ? hit.value : undefined
  }

  /** Drops an entry this process knows to be stale (before the feed would tell). */
  delete(key: string): void {
    this.generation++
    this.entries.delete(key)
  }
}

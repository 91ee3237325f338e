import type { CompiledQuery, Kysely, Selectable, Transaction } from 'kysely'
import type { ChangeFeed } from '../db/change-feed.js'
import type { ConnectionsTable, Database } from '../db/schema.js'
import { randomId } from '../lib/random.js'
import { connectionCredentialsAad } from '../vault/associated-data.js'
import type { Vault } from '../vault/vault.js'
import { connectionsKey } from './connection-listing.js'
import type { Connection, ConnectionGrant, Credentials, Owner, StoredGrant } from './connection-types.js'

type Db = Kysely<Database> | Transaction<Database>

/** Maps a `connections` row (as selected with selectAll, or without its credentials) to a {@link Connection}. */
export function toConnection(row: Omit<Selectable<ConnectionsTable>, 'credentials'>): Connection {
  return {
    id: row.id,
    partnerId: row.partner_id,
    endUserId: row.end_user_id,
    appKey: row.app_key,
    authOption: row.auth_option,
    authType: row.auth_type,
    name: row.name,
    status: row.status,
    statusReason: row.status_reason,
    accountIdentifier: row.account_identifier,
    scopes: JSON.parse(row.scopes) as string[],
    params: JSON.parse(row.params) as Record<string, string>,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    expiresAt: row.expires_at == null ? null : Number(row.expires_at),
    version: Number(row.version),
    refreshStartedAt: row.refresh_started_at == null ? null : Number(row.refresh_started_at),
    refreshedAt: row.refreshed_at == null ? null : Number(row.refreshed_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

/**
 * Connections, always read and written through their owner (partner, end user): another user's
 * id simply does not exist for the caller. Credentials are encrypted with associated data binding
 * them to the partner and the connection.
 */
/** The most connections of one app an MCP call chooses among (a user has a handful). */
const MAX_ACCOUNTS = 100

/** A connection without its credentials: which account it is and whether it works. */
export type ConnectionAccount = Pick<Connection, 'id' | 'appKey' | 'name' | 'accountIdentifier' | 'status' | 'createdAt'>

type AccountRow = Pick<ConnectionsTable, 'id' | 'app_key' | 'name' | 'account_identifier' | 'status' | 'created_at'>

export class ConnectionStore {
  private accountsQuery: CompiledQuery<AccountRow> | undefined

  constructor(
    private readonly db: Kysely<Database>,
    private readonly vault: Vault,
    /** Every write to an end user's connections is announced: the listing's cache (connection-listing.ts) drops that user's page. */
    private readonly changes: ChangeFeed,
  ) {}

  /**
   * Announces a write to the owner's connections, in the writer's transaction when it has one (PostgreSQL
   * then tells the other processes at commit). Every write to `connections` calls it.
   */
  async changed(db: Db, owner: Owner): Promise<void> {
    await this.changes.publish(db, { topic: 'connections', key: connectionsKey(owner) })
  }

  /**
   * One user's connections of one app, oldest first, as an MCP call picks among them (mcp/tool-calls.ts):
   * no credentials, no join, a query compiled once (it runs on every tool call).
   */
  async accountsOf(owner: Owner, app: string): Promise<ConnectionAccount[]> {
    this.accountsQuery ??= this.db
      .selectFrom('connections')
      .select(['id', 'app_key', 'name', 'account_identifier', 'status', 'created_at'])
      .where('partner_id', '=', '')
      .where('end_user_id', '=', '')
      .where('app_key', '=', '')
      .orderBy('created_at')
      .orderBy('id')
      .limit(MAX_ACCOUNTS)
      .compile() as CompiledQuery<AccountRow>
    const { rows } = await this.db.executeQuery<AccountRow>({
      ...this.accountsQuery,
      parameters: [owner.partnerId, owner.endUserId, app, MAX_ACCOUNTS],
    })
    return rows.map((r) => ({
      id: r.id,
      appKey: r.app_key,
      name: r.name,
      accountIdentifier: r.account_identifier,
      status: r.status,
      createdAt: Number(r.created_at),
    }))
  }

  async get(owner: Owner, id: string, db: Db = this.db): Promise<Connection | undefined> {
    const row = await db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', id)
      .where('partner_id', '=', owner.partnerId)
      .where('end_user_id', '=', owner.endUserId)
      .executeTakeFirst()
    return row ? toConnection(row) : undefined
  }

  async credentials(connection: Pick<Connection, 'id' | 'partnerId'>, db: Db = this.db): Promise<Credentials> {
    const row = await db.selectFrom('connections').select('credentials').where('id', '=', connection.id).executeTakeFirstOrThrow()
    return JSON.parse(this.vault.decrypt(row.credentials, connectionCredentialsAad(connection.partnerId, connection.id))) as Credentials
  }

  /**
   * Stores a new connection. Unless `allowMultiple`, the owner's other connections of the same
   * app are removed in the same transaction: the new one replaces them (returned in `replaced`).
   */
  async create(trx: Db, owner: Owner, grant: ConnectionGrant, options: { allowMultiple: boolean; now?: number }): Promise<StoredGrant> {
    const now = options.now ?? Date.now()
    const id = randomId('conn_')
    const replaced = options.allowMultiple ? [] : await this.ofApp(trx, owner, grant.appKey)
    await trx
      .insertInto('connections')
      .values({
        id,
        partner_id: owner.partnerId,
        end_user_id: owner.endUserId,
        app_key: grant.appKey,
        auth_option: grant.authOption,
        auth_type: grant.authType,
        name: grant.name ?? null,
        status: 'active',
        status_reason: null,
        account_identifier: grant.accountIdentifier,
        scopes: JSON.stringify(grant.scopes),
        params: JSON.stringify(grant.params),
        metadata: JSON.stringify(grant.metadata),
        credentials: this.vault.encrypt(JSON.stringify(grant.credentials), connectionCredentialsAad(owner.partnerId, id)),
        expires_at: grant.expiresAt,
        created_at: now,
        updated_at: now,
        refreshed_at: now,
        refresh_started_at: null,
      })
      .execute()
    await this.remove(trx, replaced)
    await this.changed(trx, owner)
    return { connection: (await this.get(owner, id, trx)) as Connection, operation: 'creation', replaced }
  }

  /**
   * Stores a new grant (docs/api.md, "Connecting again"). Unless `allowMultiple`: when the owner
   * already has a connection of the app for the same account (same non-null account identifier),
   * that connection is re-authorized and keeps its id, and the owner's other connections of the app
   * are replaced; with `allowMultiple` every grant adds a connection, as {@link create} does.
   */
  async connect(trx: Db, owner: Owner, grant: ConnectionGrant, options: { allowMultiple: boolean; now?: number }): Promise<StoredGrant> {
    const now = options.now ?? Date.now()
    const same =
      grant.accountIdentifier === null || options.allowMultiple
        ? undefined
        : await trx
            .selectFrom('connections')
            .select('id')
            .where('partner_id', '=', owner.partnerId)
            .where('end_user_id', '=', owner.endUserId)
            .where('app_key', '=', grant.appKey)
            .where('account_identifier', '=', grant.accountIdentifier)
            .orderBy('created_at', 'desc')
            .orderBy('id', 'desc')
            .executeTakeFirst()
    if (!same) return this.create(trx, owner, grant, { ...options, now })
    const connection = (await this.reauthorize(trx, owner, same.id, grant, now)) as Connection
    const replaced = (await this.ofApp(trx, owner, grant.appKey)).filter((c) => c.id !== same.id)
    await this.remove(trx, replaced)
    return { connection, operation: 'reauth', replaced }
  }

  private async ofApp(trx: Db, owner: Owner, appKey: string): Promise<Connection[]> {
    const rows = await trx
      .selectFrom('connections')
      .selectAll()
      .where('partner_id', '=', owner.partnerId)
      .where('end_user_id', '=', owner.endUserId)
      .where('app_key', '=', appKey)
      .execute()
    return rows.map(toConnection)
  }

  /** Deletes connections a new grant replaced, in the caller's transaction. */
  private async remove(trx: Db, replaced: Connection[]): Promise<void> {
    if (!replaced.length) return
    await trx
      .deleteFrom('connections')
      .where(
        'id',
        'in',
        replaced.map((c) => c.id),
      )
      .execute()
  }

  /** Re-authorizes an existing connection of the owner: same id, fresh credentials, back to active. */
  async reauthorize(trx: Db, owner: Owner, id: string, grant: ConnectionGrant, now: number = Date.now()): Promise<Connection | undefined> {
    const existing = await this.get(owner, id, trx)
    if (!existing || existing.appKey !== grant.appKey) return undefined
    await trx
      .updateTable('connections')
      .set((eb) => ({
        auth_option: grant.authOption,
        auth_type: grant.authType,
        ...(grant.name ? { name: grant.name } : {}),
        status: 'active',
        status_reason: null,
        account_identifier: grant.accountIdentifier ?? existing.accountIdentifier,
        scopes: JSON.stringify(grant.scopes),
        params: JSON.stringify(grant.params),
        metadata: JSON.stringify({ ...existing.metadata, ...grant.metadata }),
        credentials: this.vault.encrypt(JSON.stringify(grant.credentials), connectionCredentialsAad(owner.partnerId, id)),
        expires_at: grant.expiresAt,
        version: eb('version', '+', 1),
        refresh_started_at: null,
        refresh_failures: 0,
        refreshed_at: now,
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('partner_id', '=', owner.partnerId)
      .where('end_user_id', '=', owner.endUserId)
      .execute()
    await this.changed(trx, owner)
    return this.get(owner, id, trx)
  }
}

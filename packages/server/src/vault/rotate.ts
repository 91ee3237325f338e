import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { rowLimit } from '../db/row-limit.js'
import { connectionCredentialsAad, oauthFlowSecretsAad, partnerAppSecretAad, partnerWebhookSecretAad } from './associated-data.js'
import { VAULT_FORMAT, type Vault, VaultError, type VaultErrorCode } from './vault.js'

export interface ReencryptOptions {
  /** Rows read per query (default 100). */
  batchSize?: number
}

export type VaultTable = 'partners' | 'partner_apps' | 'connections' | 'oauth_flows'

/** `PB_VAULT_BAD_ROW`: the row's identifiers cannot form its associated data. */
export type RotationFailureCode = VaultErrorCode | 'PB_VAULT_BAD_ROW'

export interface RotationFailure {
  /** The row's primary key (`partner_id/app_key` for partner_apps); never secret. */
  row: string
  code: RotationFailureCode
}

export interface TableRotation {
  /** Rows found under another key than the active one (or not holding a ciphertext at all). */
  examined: number
  /** Rows now under the active key. */
  reencrypted: number
  /** Rows another writer changed between read and write; the compare-and-set kept their value. */
  skipped: number
  /** Rows that could not be decrypted (unknown key, tampered, not a ciphertext); left untouched. */
  failed: number
  /** The first {@link MAX_LISTED_FAILURES} failed rows. */
  failures: RotationFailure[]
}

export type RotationReport = Record<VaultTable, TableRotation>

export const MAX_LISTED_FAILURES = 100

interface Row {
  /** Primary key parts, in order. */
  key: string[]
  aad: () => string
  ciphertext: string
}

interface TableSpec {
  /** Rows after `after` (primary key order) whose ciphertext does not start with `prefix`. */
  fetch(after: string[] | undefined, prefix: string, limit: number): Promise<Row[]>
  /** Compare-and-set: writes `next` only where the column still holds `previous`. */
  update(row: Row, next: string): Promise<bigint>
}

/** `substr(column, 1, n) <> prefix`: portable, case-sensitive in both databases (unlike LIKE in SQLite). */
function notUnder(column: string, prefix: string) {
  return sql<boolean>`substr(${sql.ref(column)}, 1, ${sql.lit(prefix.length)}) <> ${prefix}`
}

function specs(db: Kysely<Database>): Record<VaultTable, TableSpec> {
  return {
    partners: {
      async fetch(after, prefix, limit) {
        const rows = await db
          .selectFrom('partners')
          .select(['id', 'webhook_secret'])
          .where('webhook_secret', 'is not', null)
          .where(notUnder('webhook_secret', prefix))
          .$if(after !== undefined, (q) => q.where('id', '>', after?.[0] ?? ''))
          .orderBy('id')
          .limit(rowLimit(limit))
          .execute()
        return rows.map((r) => ({
          key: [r.id],
          aad: () => partnerWebhookSecretAad(r.id),
          ciphertext: r.webhook_secret as string,
        }))
      },
      async update(row, next) {
        const result = await db
          .updateTable('partners')
          .set({ webhook_secret: next })
          .where('id', '=', row.key[0] ?? '')
          .where('webhook_secret', '=', row.ciphertext)
          .executeTakeFirst()
        return result.numUpdatedRows
      },
    },
    partner_apps: {
      async fetch(after, prefix, limit) {
        const rows = await db
          .selectFrom('partner_apps')
          .select(['partner_id', 'app_key', 'client_secret'])
          .where('client_secret', 'is not', null)
          .where(notUnder('client_secret', prefix))
          .$if(after !== undefined, (q) =>
            q.where(({ eb, or, and }) => {
              const [partnerId = '', appKey = ''] = after ?? []
              return or([eb('partner_id', '>', partnerId), and([eb('partner_id', '=', partnerId), eb('app_key', '>', appKey)])])
            }),
          )
          .orderBy('partner_id')
          .orderBy('app_key')
          .limit(rowLimit(limit))
          .execute()
        return rows.map((r) => ({
          key: [r.partner_id, r.app_key],
          aad: () => partnerAppSecretAad(r.partner_id, r.app_key),
          ciphertext: r.client_secret as string,
        }))
      },
      async update(row, next) {
        const [partnerId = '', appKey = ''] = row.key
        const result = await db
          .updateTable('partner_apps')
          .set({ client_secret: next })
          .where('partner_id', '=', partnerId)
          .where('app_key', '=', appKey)
          .where('client_secret', '=', row.ciphertext)
          .executeTakeFirst()
        return result.numUpdatedRows
      },
    },
    connections: {
      async fetch(after, prefix, limit) {
        const rows = await db
          .selectFrom('connections')
          .select(['id', 'partner_id', 'credentials'])
          .where(notUnder('credentials', prefix))
          .$if(after !== undefined, (q) => q.where('id', '>', after?.[0] ?? ''))
          .orderBy('id')
          .limit(rowLimit(limit))
          .execute()
        return rows.map((r) => ({
          key: [r.id],
          aad: () => connectionCredentialsAad(r.partner_id, r.id),
          ciphertext: r.credentials,
        }))
      },
      // Neither `version` nor `updated_at` changes: the credentials are the same, and a refresh
      // racing with the rotation must still win its own compare-and-set on `version`.
      async update(row, next) {
        const result = await db
          .updateTable('connections')
          .set({ credentials: next })
          .where('id', '=', row.key[0] ?? '')
          .where('credentials', '=', row.ciphertext)
          .executeTakeFirst()
        return result.numUpdatedRows
      },
    },
    oauth_flows: {
      async fetch(after, prefix, limit) {
        const rows = await db
          .selectFrom('oauth_flows')
          .select(['state_hash', 'session_id', 'secrets'])
          .where(notUnder('secrets', prefix))
          .$if(after !== undefined, (q) => q.where('state_hash', '>', after?.[0] ?? ''))
          .orderBy('state_hash')
          .limit(rowLimit(limit))
          .execute()
        return rows.map((r) => ({
          key: [r.state_hash],
          aad: () => oauthFlowSecretsAad(r.session_id, r.state_hash),
          ciphertext: r.secrets,
        }))
      },
      async update(row, next) {
        const result = await db
          .updateTable('oauth_flows')
          .set({ secrets: next })
          .where('state_hash', '=', row.key[0] ?? '')
          .where('secrets', '=', row.ciphertext)
          .executeTakeFirst()
        return result.numUpdatedRows
      },
    },
  }
}

async function rotateTable(spec: TableSpec, vault: Vault, batchSize: number): Promise<TableRotation> {
  const report: TableRotation = { examined: 0, reencrypted: 0, skipped: 0, failed: 0, failures: [] }
  const prefix = `${VAULT_FORMAT}.${vault.activeKeyId}.`
  let after: string[] | undefined
  for (;;) {
    const rows = await spec.fetch(after, prefix, batchSize)
    for (const row of rows) {
      report.examined++
      let next: string
      try {
        next = vault.reencrypt(row.ciphertext, row.aad())
      } catch (err) {
        if (!(err instanceof VaultError || err instanceof TypeError)) throw err
        const code: RotationFailureCode = err instanceof VaultError ? err.code : 'PB_VAULT_BAD_ROW'
        report.failed++
        if (report.failures.length < MAX_LISTED_FAILURES) report.failures.push({ row: row.key.join('/'), code })
        continue
      }
      if ((await spec.update(row, next)) > 0n) report.reencrypted++
      else report.skipped++
    }
    if (rows.length < batchSize) return report
    after = rows[rows.length - 1]?.key
  }
}

/**
 * Re-encrypts, under the vault's active key, every ciphertext of partners.webhook_secret, partner_apps.client_secret,
 * connections.credentials and oauth_flows.secrets made with another key. Rows are read in primary
 * key order, `batchSize` at a time, and each is written with a compare-and-set on its old
 * ciphertext, so a concurrent write is never overwritten (it counts as skipped). The server keeps
 * running meanwhile: every key of the ring decrypts. Rows that cannot be decrypted are reported and
 * left as they are; drop an old key only once a run reports no failures.
 */
export async function reencryptAll(db: Kysely<Database>, vault: Vault, options: ReencryptOptions = {}): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 100
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError('options.batchSize must be a positive integer')
  const tables = specs(db)
  return {
    partners: await rotateTable(tables.partners, vault, batchSize),
    partner_apps: await rotateTable(tables.partner_apps, vault, batchSize),
    connections: await rotateTable(tables.connections, vault, batchSize),
    oauth_flows: await rotateTable(tables.oauth_flows, vault, batchSize),
  }
}

import { type Kysely, type RawBuilder, sql } from 'kysely'
import { ConfigError } from '../config/config.js'
import type { Database } from '../db/schema.js'
import { connectionCredentialsAad, oauthFlowSecretsAad, partnerAppSecretAad, partnerWebhookSecretAad } from './associated-data.js'
import type { VaultTable } from './rotate.js'
import { VAULT_FORMAT, type Vault, VaultError } from './vault.js'

/** Rows read per key id and per column: enough to tell a wrong key from one damaged row. */
export const SAMPLE_PER_KEY = 5

interface VaultColumn {
  table: VaultTable
  column: string
  /** The row's key columns, in the order `aad` takes them. */
  keys: [string] | [string, string]
  aad: (a: string, b: string) => string
}

const COLUMNS: VaultColumn[] = [
  { table: 'partners', column: 'webhook_secret', keys: ['id'], aad: (id) => partnerWebhookSecretAad(id) },
  { table: 'partner_apps', column: 'client_secret', keys: ['partner_id', 'app_key'], aad: partnerAppSecretAad },
  { table: 'connections', column: 'credentials', keys: ['partner_id', 'id'], aad: connectionCredentialsAad },
  { table: 'oauth_flows', column: 'secrets', keys: ['session_id', 'state_hash'], aad: oauthFlowSecretsAad },
]

interface SampledRow {
  ciphertext: string
  a: string
  b: string | null
}

/** `substr(column, 1, n) = prefix`: portable and case-sensitive in both databases (unlike LIKE in SQLite). */
function under(column: string, prefix: string): RawBuilder<boolean> {
  return sql<boolean>`substr(${sql.ref(column)}, 1, ${sql.lit(prefix.length)}) = ${prefix}`
}

async function sample(db: Kysely<Database>, spec: VaultColumn, condition: RawBuilder<boolean>): Promise<SampledRow[]> {
  const [a, b] = spec.keys
  const { rows } =
    await sql<SampledRow>`select ${sql.ref(spec.column)} as ciphertext, ${sql.ref(a)} as a, ${b ? sql.ref(b) : sql.lit(null)} as b
    from ${sql.table(spec.table)} where ${sql.ref(spec.column)} is not null and ${condition} limit ${sql.lit(SAMPLE_PER_KEY)}`.execute(db)
  return rows
}

/**
 * Refuses to serve with keys that cannot read what is stored: without this, a wrong or missing key
 * answers `ready` and then fails every credential read. For each table holding ciphertexts, reads a
 * few rows under each configured key id (a key id none of them opens means that key's material is
 * not the one that wrote them) and a few under key ids that are not configured at all. Throws a
 * {@link ConfigError} naming key ids and tables, never key material. A single row that does not open
 * while others under the same key do is damage to that row, not a key problem: `patchbay keys
 * rotate` reports those.
 */
export async function checkKeysReadStoredData(db: Kysely<Database>, vault: Vault): Promise<void> {
  const problems: string[] = []
  for (const spec of COLUMNS) {
    for (const kid of vault.keyIds) {
      const rows = await sample(db, spec, under(spec.column, `${VAULT_FORMAT}.${kid}.`))
      const opened = rows.filter((row) => {
        try {
          vault.decrypt(row.ciphertext, spec.aad(row.a, row.b ?? ''))
          return true
        } catch (err) {
          if (err instanceof VaultError || err instanceof TypeError) return false
          throw err
        }
      })
      if (rows.length > 0 && opened.length === 0) {
        problems.push(
          `${spec.table}: key "${kid}" opens none of the ${rows.length} rows stored under that key id (it is not the key that wrote them)`,
        )
      }
    }
    const elsewhere = sql.join(
      vault.keyIds.map((kid) => sql`not ${under(spec.column, `${VAULT_FORMAT}.${kid}.`)}`),
      sql` and `,
    )
    const unknown = new Set<string>()
    for (const row of await sample(db, spec, sql<boolean>`${elsewhere}`)) {
      try {
        unknown.add(vault.keyIdOf(row.ciphertext))
      } catch {
        // Not a ciphertext at all: damage to that row, reported by `patchbay keys rotate`.
      }
    }
    if (unknown.size > 0) {
      problems.push(
        `${spec.table}: rows are stored under key id${unknown.size > 1 ? 's' : ''} ${[...unknown].map((k) => `"${k}"`).join(', ')}, not configured`,
      )
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `the encryption keys (PATCHBAY_ENCRYPTION_KEYS, configured key ids: ${vault.keyIds.map((k) => `"${k}"`).join(', ')}) cannot read the stored credentials:\n` +
        problems.map((p) => `  ${p}\n`).join('') +
        'Configure the keys the data was written with (a new key first, the old ones after it, then `patchbay keys rotate`); see docs/operations.md',
    )
  }
}

import { ConsoleAuth } from '../console/console-auth.js'
import { loadConfig } from '../config/config.js'
import { migrateToLatest, openDatabase } from '../db/database.js'
import { PartnerStore } from '../partners/partner-store.js'
import { print, UsageError } from './output.js'

const USAGE = 'usage: patchbay operators add <partner id> <name> | list <partner id> | revoke <partner id> <key id>'

/** `patchbay operators …`: operator keys for the console (docs/console.md, "Signing in"); a key is printed once. */
export async function operatorsCommand(args: string[]): Promise<void> {
  const [sub, partnerId, arg, ...more] = args
  const arity: Record<string, number> = { add: 2, list: 1, revoke: 2 }
  const wanted = sub === undefined ? undefined : arity[sub]
  const given = [partnerId, arg].filter((a) => a !== undefined).length
  if (wanted === undefined || given !== wanted || more.length > 0) throw new UsageError(USAGE)
  if (sub === 'add' && !/^[\p{L}\p{N} ._@-]{1,100}$/u.test(arg as string)) {
    throw new UsageError('the key name: 1 to 100 letters, digits, spaces or . _ @ -')
  }
  const config = loadConfig()
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    await migrateToLatest(database)
    const partners = new PartnerStore(database)
    if (!(await partners.get(partnerId as string))) throw new UsageError(`partner ${partnerId} not found`)
    const auth = new ConsoleAuth(database.db, partners, config.console.sessionTtlSeconds * 1000)
    if (sub === 'add') {
      const { id, key } = await auth.createKey(partnerId as string, arg as string)
      print({ id, name: arg, key, note: 'shown once: sign in to /console with it' })
    } else if (sub === 'list') {
      const keys = await auth.listKeys(partnerId as string)
      print({
        operator_keys: keys.map((k) => ({
          id: k.id,
          name: k.name,
          created_at: new Date(k.createdAt).toISOString(),
          revoked_at: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
        })),
      })
    } else {
      if (!(await auth.revokeKey(partnerId as string, arg as string)))
        throw new UsageError(`no live operator key ${arg} for partner ${partnerId}`)
      print({ revoked: arg })
    }
  } finally {
    await database.close()
  }
}

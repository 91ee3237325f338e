import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config/config.js'
import { ConnectionService } from '../connections/connection-service.js'
import { migrateToLatest, openDatabase } from '../db/database.js'
import { PatchbayError } from '../errors.js'
import { createLogger } from '../logger.js'
import { PartnerStore } from '../partners/partner-store.js'
import { createServices } from '../services.js'
import { loadVault } from '../vault/key-setup.js'
import { print, UsageError } from './output.js'

export async function partnerDeleteCommand(rest: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: rest,
    options: { yes: { type: 'boolean', short: 'y' } },
    allowPositionals: true,
    strict: true,
  })
  const id = positionals[0]
  if (!id || positionals.length > 1) throw new UsageError('usage: patchbay partner delete <partner id> [--yes]')
  const config = loadConfig()
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    await migrateToLatest(database)
    const store = new PartnerStore(database)
    if (!(await store.get(id))) throw new UsageError(`partner ${id} not found`)
    const { n } = await database.db
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('partner_id', '=', id)
      .executeTakeFirstOrThrow()
    const count = Number(n)
    const what = `partner ${id} and its ${count} connection${count === 1 ? '' : 's'} (their tokens are revoked at the providers that support it)`
    if (!values.yes) {
      if (!process.stdin.isTTY || !process.stderr.isTTY) {
        throw new UsageError(
          `partner delete would delete ${what}: pass --yes to confirm (there is no terminal to ask on); nothing was deleted`,
        )
      }
      const prompt = createInterface({ input: process.stdin, output: process.stderr })
      const answer = await prompt.question(`This deletes ${what}. Type the partner id to confirm: `).finally(() => prompt.close())
      if (answer.trim() !== id) throw new UsageError('not confirmed; nothing was deleted')
    }
    if (count > 0) {
      // Revocation needs the partner's OAuth clients, which are encrypted: the keys are required.
      const { vault } = loadVault(config)
      const services = createServices(config, database, createLogger(config, process.stderr), vault)
      const connections = new ConnectionService({ ...services, db: database.db, database })
      try {
        for (;;) {
          const page = await connections.listForPartner(id, { limit: 100 })
          if (page.data.length === 0) break
          for (const { connection } of page.data) {
            // Deleted meanwhile (by the API or another process): nothing left to revoke here.
            await connections
              .delete({ partnerId: id, endUserId: connection.endUserId }, connection.id, { type: 'operator', id: 'cli' })
              .catch((err: unknown) => {
                if (!(err instanceof PatchbayError && err.code === 'PB_ERR_NOT_FOUND')) throw err
              })
          }
        }
      } finally {
        await services.close()
      }
    }
    await store.delete(id)
    // A deleted partner is refused by the running server once the command returns.
    await database.changes.settle()
    print({ deleted: id, connections: count })
  } finally {
    await database.close()
  }
}

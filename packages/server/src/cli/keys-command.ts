import { loadConfig } from '../config/config.js'
import { migrateToLatest, openDatabase } from '../db/database.js'
import { generateEncryptionKey, loadVault } from '../vault/key-setup.js'
import { reencryptAll } from '../vault/rotate.js'
import { print, UsageError } from './output.js'

export async function keysCommand(args: string[]): Promise<void> {
  switch (args[0]) {
    case 'generate':
      process.stdout.write(`${generateEncryptionKey()}\n`)
      return
    case 'rotate': {
      const config = loadConfig()
      const { vault } = loadVault(config)
      const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
      try {
        await migrateToLatest(database)
        const report = await reencryptAll(database.db, vault)
        print({ activeKeyId: vault.activeKeyId, ...report })
        if (Object.values(report).some((t) => t.failed > 0)) {
          process.stderr.write('Some rows could not be decrypted (see failures): keep the old keys configured.\n')
          process.exitCode = 1
        }
      } finally {
        await database.close()
      }
      return
    }
    default:
      throw new UsageError(`unknown keys command: ${args[0] ?? '(none)'}`)
  }
}

import type { Config } from '../config/config.js'
import { migrateToLatest, openDatabase } from '../db/database.js'
import { createLogger } from '../logger.js'
import { createServices } from '../services.js'
import { generateEncryptionKey } from '../vault/key-setup.js'
import { Vault } from '../vault/vault.js'
import { buildApp } from './app.js'

/**
 * The OpenAPI document, as `/openapi.json` serves it, without a running server: the routes are built
 * on a throwaway in-memory database with a throwaway key and never listen (`patchbay openapi`, the
 * lint step, the SDK's generated types). Nothing of the configured database or keys is touched;
 * `config` gives the document its server URL.
 */
export async function openApiDocument(config: Config): Promise<Record<string, unknown>> {
  const database = openDatabase({ dataDir: ':memory:' })
  try {
    await migrateToLatest(database)
    const services = createServices(config, database, createLogger({ logLevel: 'silent' }), Vault.fromKeys([generateEncryptionKey()]))
    try {
      const app = await buildApp(services)
      try {
        await app.ready()
        // A deep copy: the plugin caches the object it returns.
        return structuredClone(await app.openApiDocument())
      } finally {
        await app.close()
      }
    } finally {
      await services.close()
    }
  } finally {
    await database.close()
  }
}

import type { Migration, MigrationProvider } from 'kysely'
import * as m0001 from './0001_foundation.js'
import * as m0002 from './0002_connections.js'
import * as m0003 from './0003_lifecycle.js'
import * as m0004 from './0004_rate_limits.js'
import * as m0005 from './0005_runs.js'
import * as m0006 from './0006_run_output_truncated.js'
import * as m0007 from './0007_mcp.js'
import * as m0008 from './0008_operations.js'
import * as m0009 from './0009_scope_upgrade.js'
import * as m0010 from './0010_connect_links.js'

/** Migrations are compiled in (not read from disk), so the built CLI and the tests run the same set. */
const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_connections': m0002,
  '0003_lifecycle': m0003,
  '0004_rate_limits': m0004,
  '0005_runs': m0005,
  '0006_run_output_truncated': m0006,
  '0007_mcp': m0007,
  '0008_operations': m0008,
  '0009_scope_upgrade': m0009,
  '0010_connect_links': m0010,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}

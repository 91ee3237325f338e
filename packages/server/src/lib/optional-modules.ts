// Modules only some configurations use, required on first use instead of imported at start
// (docs/operations.md, "Sizing"): node-postgres when DATABASE_URL is set, prom-client when metrics
// are on, yaml for a YAML config file or a catalog not precompiled by the build. All three can be
// required, so they load synchronously where the code that needs them is synchronous.
import { createRequire } from 'node:module'
import type Pg from 'pg'
import type * as PromClient from 'prom-client'
import type * as Yaml from 'yaml'

const require = createRequire(import.meta.url)
let pgModule: typeof Pg | undefined
let promClientModule: typeof PromClient | undefined
let yamlModule: typeof Yaml | undefined

/** node-postgres (the same object `import pg from 'pg'` gives). */
export function pg(): typeof Pg {
  return (pgModule ??= require('pg') as typeof Pg)
}

/** prom-client. */
export function promClient(): typeof PromClient {
  return (promClientModule ??= require('prom-client') as typeof PromClient)
}

/** yaml. */
export function yaml(): typeof Yaml {
  return (yamlModule ??= require('yaml') as typeof Yaml)
}

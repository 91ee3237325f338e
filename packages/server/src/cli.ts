#!/usr/bin/env node
// The `patchbay` command: usage, dispatch and exit codes; each command lives in cli/.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { CatalogError } from './catalog/catalog-error.js'
import { ConfigError, loadConfig } from './config/config.js'
import { checkConfig } from './config/config-check.js'
import { openApiDocument } from './http/openapi-document.js'
import { startServer } from './http/server.js'
import { actionsCommand, writeReference } from './cli/actions-command.js'
import { backupCommand } from './cli/backup-command.js'
import { migrateCommand } from './cli/migrate-command.js'
import { keysCommand } from './cli/keys-command.js'
import { toolsetsCommand } from './cli/toolsets-command.js'
import { operatorsCommand } from './cli/operators-command.js'
import { print, UsageError } from './cli/output.js'
import { partnerCommand } from './cli/partner-command.js'

const USAGE = `patchbay — the Patchbay server

Usage:
  patchbay --version                 print the version
  patchbay start [--dev]             start the server (configuration from PATCHBAY_* variables and PATCHBAY_CONFIG);
                                     --dev: development mode (generates a local encryption key)
  patchbay migrate                   bring the database schema up to date
  patchbay migrate --to <migration>  migrate up or down to that migration (\`none\`: revert them all), to roll an
                                     upgrade back with the newer version before the older one starts
  patchbay backup <file>             copy the embedded SQLite database to a new file while the server runs (on
                                     PostgreSQL use pg_dump); restore it with the same encryption keys
  patchbay config check [--dev]      validate the configuration as start does and print it (secrets hidden)
  patchbay openapi                   print the OpenAPI document of the REST API (as /openapi.json serves it) without
                                     starting a server or opening the configured database
  patchbay keys generate             print a new encryption key line "<kid>:<base64>" for PATCHBAY_ENCRYPTION_KEYS
  patchbay keys rotate               re-encrypt stored credentials under the first configured key (put the new key
                                     first, keep the old ones after it until this reports no failures)
  patchbay actions test [<app>.<key> ...]
                                     replay catalog actions (all, or the ones named) against their recorded
                                     fixtures: no server, database or account needed; exit status 1 on a failure
  patchbay actions test --module <file.js> --fixtures <file.json> [<app>.<key>]
                                     the same for an action of your own
  patchbay catalog docs <dir>        write the generated catalog reference: one page per app (setup, quirks, actions)
                                     and an index with the review list (also: patchbay actions docs <dir>)
  patchbay toolsets list <partner>   a partner's MCP toolsets (docs/mcp.md)
  patchbay toolsets show <partner> <name>
  patchbay toolsets set <partner> <name> <file.json>
                                     create or replace a toolset from a JSON file (checked as the API checks it)
  patchbay toolsets delete <partner> <name>
  patchbay operators add <partner> <name>
                                     an operator key for the console (docs/console.md); printed once
  patchbay operators list <partner>
  patchbay operators revoke <partner> <key id>
  patchbay partner create [flags]    register a partner; prints its client secret once
  patchbay partner update <id> [flags]
  patchbay partner list
  patchbay partner show <id>
  patchbay partner delete <id> [--yes]  delete a partner and its connections (revoked at the providers that support
                                     it); asks for the partner id on a terminal, needs --yes otherwise
  patchbay partner rotate-secret <id>   new client secret (printed once); the old one stops working
  patchbay partner webhook-secret <id>  new webhook signing secret "whsec_…" (printed once); the old one stops working
  patchbay partner app <id> <app> [--client-id ID] [--client-secret-env NAME] [--scopes a,b] [--setting key=value]
                                     the partner's own OAuth client for an app (secret stored encrypted)
  patchbay partner new-secret        print a fresh secret and its hash, for a partner in the config file

Partner flags:
  --id <slug> --name <text> --issuer <iss> --audience <aud>
  --jwks-url <url> | --jwks-file <file.json>
  --algorithms RS256,ES256          allowed signing algorithms (asymmetric only)
  --user-claim <claim>              default "sub"
  --tenant-claim <claim>            default: every user in tenant "default"
  --client-id <id>                  default: the partner id
  --redirect-uri <url>              repeatable
  --allowed-origin <origin>         repeatable
  --webhook-url <url>               events are POSTed here, signed (Standard Webhooks); a new partner with a
                                     webhook URL gets a webhook secret, printed once
`

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args: rest, options: { dev: { type: 'boolean' } }, strict: true })
      const config = loadConfig(process.env, values.dev ? { devMode: true } : {})
      const server = await startServer(config, { handleSignals: true })
      server.app.log.info(
        { url: server.url, publicUrl: config.publicUrl, database: server.services.database.kind },
        'Patchbay is listening',
      )
      return
    }
    case 'migrate':
      return migrateCommand(rest)
    case 'backup':
      return backupCommand(rest)
    case 'config': {
      const { values, positionals } = parseArgs({ args: rest, options: { dev: { type: 'boolean' } }, allowPositionals: true, strict: true })
      if (positionals.length !== 1 || positionals[0] !== 'check') throw new UsageError('usage: patchbay config check [--dev]')
      const config = loadConfig(process.env, values.dev ? { devMode: true } : {})
      // The same checks as `start`, so what passes here starts (database-dependent ones aside).
      checkConfig(config)
      print({
        ...config,
        // The password may sit in the user info or in the query (`?password=`): both are hidden.
        databaseUrl: config.databaseUrl?.replace(/\/\/[^@/]*@/, '//***@').replace(/\?.*$/, '?***'),
        encryptionKeys: config.encryptionKeys.map((k) => `${k.slice(0, k.indexOf(':'))}:***`),
        metrics: { ...config.metrics, ...(config.metrics.token ? { token: '***' } : {}) },
      })
      return
    }
    case 'openapi': {
      parseArgs({ args: rest, options: {}, strict: true })
      print(await openApiDocument(loadConfig()))
      return
    }
    case 'partner':
      return partnerCommand(rest)
    case 'keys':
      return keysCommand(rest)
    case 'actions':
      return actionsCommand(rest)
    case 'catalog': {
      const [sub, ...args] = rest
      if (sub !== 'docs') throw new UsageError('usage: patchbay catalog docs <dir>')
      return writeReference(args)
    }
    case 'toolsets':
      return toolsetsCommand(rest)
    case 'operators':
      return operatorsCommand(rest)
    case '--version':
    case '-v':
    case 'version': {
      const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
      process.stdout.write(`${manifest.version}\n`)
      return
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE)
      return
    default:
      throw new UsageError(`unknown command: ${command}`)
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof UsageError || err instanceof CatalogError) {
    process.stderr.write(`patchbay: ${err.message}\n`)
    process.exit(err instanceof UsageError ? 2 : 78)
  }
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`patchbay: ${err.message}\n\n${USAGE}`)
    process.exit(2)
  }
  process.stderr.write(`patchbay: ${(err as Error)?.stack ?? String(err)}\n`)
  process.exit(1)
})

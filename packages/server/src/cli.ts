#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { Value } from '@sinclair/typebox/value'
import type { Kysely } from 'kysely'
import { CatalogError } from './catalog/catalog-error.js'
import { loadCatalog } from './catalog/load-catalog.js'
import { ConfigError, loadConfig } from './config/config.js'
import { checkConfig } from './config/config-check.js'
import { ConnectionService } from './connections/connection-service.js'
import { migrateToLatest, openDatabase } from './db/database.js'
import type { Database } from './db/schema.js'
import { PatchbayError } from './errors.js'
import { hashSecret } from './lib/random.js'
import { createLogger } from './logger.js'
import { PartnerApps } from './partners/partner-apps.js'
import { PartnerInput } from './partners/partner-input.js'
import { newClientSecret, type Partner, PartnerStore } from './partners/partner-store.js'
import { startServer } from './http/server.js'
import { createServices } from './services.js'
import { generateEncryptionKey, loadVault } from './vault/key-setup.js'
import { reencryptAll } from './vault/rotate.js'
import { WebhookSecrets } from './webhooks/webhook-secrets.js'

const USAGE = `patchbay — the Patchbay server

Usage:
  patchbay --version                 print the version
  patchbay start [--dev]             start the server (configuration from PATCHBAY_* variables and PATCHBAY_CONFIG);
                                     --dev: development mode (generates a local encryption key)
  patchbay migrate                   bring the database schema up to date
  patchbay config check [--dev]      validate the configuration as start does and print it (secrets hidden)
  patchbay keys generate             print a new encryption key line "<kid>:<base64>" for PATCHBAY_ENCRYPTION_KEYS
  patchbay keys rotate               re-encrypt stored credentials under the first configured key (put the new key
                                     first, keep the old ones after it until this reports no failures)
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

const partnerFlags = {
  id: { type: 'string' },
  name: { type: 'string' },
  issuer: { type: 'string' },
  audience: { type: 'string' },
  'jwks-url': { type: 'string' },
  'jwks-file': { type: 'string' },
  algorithms: { type: 'string' },
  'user-claim': { type: 'string' },
  'tenant-claim': { type: 'string' },
  'client-id': { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'allowed-origin': { type: 'string', multiple: true },
  'webhook-url': { type: 'string' },
} as const

class UsageError extends Error {}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

function publicView(p: Partner) {
  const { clientSecretHash: _hidden, ...rest } = p
  return rest
}

type Flags = { [K in keyof typeof partnerFlags]?: (typeof partnerFlags)[K] extends { multiple: true } ? string[] : string }

function partnerFromFlags(flags: Flags, base: Partial<PartnerInput> = {}): PartnerInput {
  const draft: Record<string, unknown> = { ...base }
  const set = (key: string, value: unknown) => {
    if (value !== undefined) draft[key] = value
  }
  set('id', flags.id)
  set('name', flags.name)
  set('issuer', flags.issuer)
  set('audience', flags.audience)
  if (flags['jwks-url']) {
    draft.jwksUrl = flags['jwks-url']
    delete draft.jwks
  }
  if (flags['jwks-file']) {
    draft.jwks = JSON.parse(readFileSync(flags['jwks-file'], 'utf8'))
    delete draft.jwksUrl
  }
  set(
    'algorithms',
    flags.algorithms?.split(',').map((a) => a.trim()),
  )
  set('userClaim', flags['user-claim'])
  set('tenantClaim', flags['tenant-claim'])
  set('clientId', flags['client-id'])
  set('redirectUris', flags['redirect-uri'])
  set('allowedOrigins', flags['allowed-origin'])
  set('webhookUrl', flags['webhook-url'])
  const input = Value.Default(PartnerInput, draft)
  const errors = [...Value.Errors(PartnerInput, input)]
  if (errors.length) {
    throw new UsageError(errors.map((e) => `partner ${e.path.replace(/^\//, '') || '(root)'}: ${e.message}`).join('\n'))
  }
  return input as PartnerInput
}

function toInput(p: Partner): Partial<PartnerInput> {
  return {
    id: p.id,
    name: p.name,
    ...(p.jwksUrl ? { jwksUrl: p.jwksUrl } : {}),
    ...(p.jwks ? { jwks: p.jwks as PartnerInput['jwks'] } : {}),
    algorithms: p.algorithms,
    issuer: p.issuer,
    audience: p.audience,
    userClaim: p.userClaim,
    ...(p.tenantClaim ? { tenantClaim: p.tenantClaim } : {}),
    clientId: p.clientId,
    redirectUris: p.redirectUris,
    allowedOrigins: p.allowedOrigins,
    ...(p.webhookUrl ? { webhookUrl: p.webhookUrl } : {}),
  }
}

async function withStore<T>(fn: (store: PartnerStore, db: Kysely<Database>) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    await migrateToLatest(database)
    const result = await fn(new PartnerStore(database), database.db)
    // A rotated secret or a deleted partner is refused by the running server once the command returns.
    await database.changes.settle()
    return result
  } finally {
    await database.close()
  }
}

const appFlags = {
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-secret-env': { type: 'string' },
  scopes: { type: 'string' },
  setting: { type: 'string', multiple: true },
} as const

/** `partner app <partner> <app> …`: the partner's own OAuth client (and settings) for one app. */
async function partnerAppCommand(rest: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: rest, options: appFlags, allowPositionals: true, strict: true })
  const [partnerId, appKey] = positionals
  if (!partnerId || !appKey)
    throw new UsageError(
      'usage: patchbay partner app <partner id> <app key> [--client-id …] [--client-secret-env NAME] [--scopes a,b] [--setting key=value]',
    )
  const config = loadConfig()
  const app = loadCatalog({ extraApps: config.apps }).get(appKey)
  if (!app) throw new UsageError(`no app "${appKey}" in the catalog`)
  const settings: Record<string, string> = {}
  for (const entry of values.setting ?? []) {
    const eq = entry.indexOf('=')
    const key = entry.slice(0, eq)
    const field = app.settings?.find((f) => f.key === key)
    if (eq < 1 || !field)
      throw new UsageError(
        `--setting ${entry}: ${appKey} has the settings ${(app.settings ?? []).map((f) => f.key).join(', ') || '(none)'}`,
      )
    const value = entry.slice(eq + 1)
    if (field.pattern && !new RegExp(`^(?:${field.pattern})$`).test(value))
      throw new UsageError(`--setting ${key}: does not match ${field.pattern}`)
    settings[key] = value
  }
  let clientSecret = values['client-secret']
  if (values['client-secret-env']) {
    clientSecret = process.env[values['client-secret-env']]
    if (!clientSecret) throw new UsageError(`environment variable ${values['client-secret-env']} is not set`)
  }
  const { vault } = loadVault(config)
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    await migrateToLatest(database)
    if (!(await new PartnerStore(database).get(partnerId))) throw new UsageError(`partner ${partnerId} not found`)
    const apps = new PartnerApps(database.db, vault)
    await apps.set(partnerId, appKey, {
      clientId: values['client-id'],
      clientSecret,
      scopes: values.scopes
        ?.split(',')
        .map((x) => x.trim())
        .filter(Boolean),
      settings,
    })
    const saved = await apps.get(partnerId, appKey)
    print({
      partner: partnerId,
      app: appKey,
      clientId: saved?.clientId,
      clientSecret: saved?.clientSecret ? '(set)' : null,
      scopes: saved?.scopes,
      settings: saved?.settings,
    })
  } finally {
    await database.close()
  }
}

/**
 * `partner delete <id> [--yes]`: deletes the partner's connections first, revoking their tokens at
 * the provider where the app has a revocation endpoint (the same path as `DELETE
 * /v1/connections/{id}`), then the partner, whose rows cascade. Asks on a terminal; without one,
 * only `--yes` deletes.
 */
async function partnerDeleteCommand(rest: string[]): Promise<void> {
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
      const connections = new ConnectionService({ ...services, db: database.db })
      try {
        for (;;) {
          const page = await connections.listForPartner(id, { limit: 100 })
          if (page.data.length === 0) break
          for (const { connection } of page.data) {
            // Deleted meanwhile (by the API or another process): nothing left to revoke here.
            await connections.delete({ partnerId: id, endUserId: connection.endUserId }, connection.id).catch((err: unknown) => {
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

async function partnerCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args
  if (sub === 'app') return partnerAppCommand(rest)
  if (sub === 'delete') return partnerDeleteCommand(rest)
  const { values, positionals } = parseArgs({ args: rest, options: partnerFlags, allowPositionals: true, strict: true })
  const flags = values as Flags
  switch (sub) {
    case 'create': {
      const input = partnerFromFlags(flags)
      // The webhook secret is stored encrypted: without a key (outside --dev) this stops before any write.
      const vault = input.webhookUrl ? loadVault(loadConfig()).vault : undefined
      const { saved, webhookSecret } = await withStore(async (store, db) => {
        if (await store.get(input.id)) throw new UsageError(`partner ${input.id} already exists; use "partner update"`)
        const saved = await store.save(input)
        const webhookSecret = vault ? await new WebhookSecrets(db, vault).rotate(input.id) : undefined
        return { saved, webhookSecret }
      })
      print({
        ...publicView(saved.partner),
        client_secret: saved.clientSecret,
        ...(webhookSecret ? { webhook_secret: webhookSecret } : {}),
      })
      process.stderr.write(
        webhookSecret
          ? 'The client secret and the webhook secret are shown only now: store them in your backend.\n'
          : 'The client secret is shown only now: store it in your backend.\n',
      )
      return
    }
    case 'update': {
      const id = positionals[0]
      if (!id) throw new UsageError('partner update needs the partner id')
      const vault = flags['webhook-url'] ? loadVault(loadConfig()).vault : undefined
      const { saved, webhookSecret } = await withStore(async (store, db) => {
        const existing = await store.get(id)
        if (!existing) throw new UsageError(`partner ${id} not found`)
        const saved = await store.save(partnerFromFlags({ ...flags, id }, toInput(existing)))
        // A partner given its first webhook URL gets a secret; an existing secret is kept.
        const secrets = vault ? new WebhookSecrets(db, vault) : undefined
        const webhookSecret = secrets && !(await secrets.has(id)) ? await secrets.rotate(id) : undefined
        return { saved, webhookSecret }
      })
      print({ ...publicView(saved.partner), ...(webhookSecret ? { webhook_secret: webhookSecret } : {}) })
      if (webhookSecret) process.stderr.write('The webhook secret is shown only now: store it in your backend.\n')
      return
    }
    case 'list':
      print((await withStore((store) => store.list())).map(publicView))
      return
    case 'show': {
      const id = positionals[0]
      if (!id) throw new UsageError('partner show needs the partner id')
      const partner = await withStore((store) => store.get(id))
      if (!partner) throw new UsageError(`partner ${id} not found`)
      print(publicView(partner))
      return
    }
    case 'rotate-secret': {
      const id = positionals[0]
      if (!id) throw new UsageError('partner rotate-secret needs the partner id')
      print({ id, client_secret: await withStore((store) => store.rotateSecret(id)) })
      return
    }
    case 'webhook-secret': {
      const id = positionals[0]
      if (!id) throw new UsageError('partner webhook-secret needs the partner id')
      const { vault } = loadVault(loadConfig())
      const secret = await withStore(async (store, db) => {
        if (!(await store.get(id))) throw new UsageError(`partner ${id} not found`)
        return new WebhookSecrets(db, vault).rotate(id)
      })
      print({ id, webhook_secret: secret })
      process.stderr.write('The webhook secret is shown only now; deliveries are signed with it from now on.\n')
      return
    }
    case 'new-secret': {
      const secret = newClientSecret()
      print({ client_secret: secret, clientSecretHash: hashSecret(secret) })
      return
    }
    default:
      throw new UsageError(`unknown partner command: ${sub ?? '(none)'}`)
  }
}

async function keysCommand(args: string[]): Promise<void> {
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
    case 'migrate': {
      const config = loadConfig()
      const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
      try {
        const report = await migrateToLatest(database)
        print({ database: database.kind, applied: report.applied })
      } finally {
        await database.close()
      }
      return
    }
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
      })
      return
    }
    case 'partner':
      return partnerCommand(rest)
    case 'keys':
      return keysCommand(rest)
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

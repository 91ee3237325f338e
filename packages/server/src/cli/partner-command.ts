import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Value } from '@sinclair/typebox/value'
import type { Kysely } from 'kysely'
import { loadConfig } from '../config/config.js'
import { migrateToLatest, openDatabase } from '../db/database.js'
import type { Database } from '../db/schema.js'
import { hashSecret } from '../lib/random.js'
import { PartnerInput } from '../partners/partner-input.js'
import { newClientSecret, type Partner, PartnerStore } from '../partners/partner-store.js'
import { loadVault } from '../vault/key-setup.js'
import { WebhookSecrets } from '../webhooks/webhook-secrets.js'
import { partnerAppCommand } from './partner-app-command.js'
import { partnerDeleteCommand } from './partner-delete-command.js'
import { print, UsageError } from './output.js'

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

/** A partner as the CLI prints it: no secret hash, and timestamps in ISO 8601 like the REST API's. */
export function publicView(p: Partner) {
  const { clientSecretHash: _hidden, createdAt, updatedAt, ...rest } = p
  return { ...rest, createdAt: new Date(createdAt).toISOString(), updatedAt: new Date(updatedAt).toISOString() }
}

export type Flags = { [K in keyof typeof partnerFlags]?: (typeof partnerFlags)[K] extends { multiple: true } ? string[] : string }

export function partnerFromFlags(flags: Flags, base: Partial<PartnerInput> = {}): PartnerInput {
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

export async function withStore<T>(fn: (store: PartnerStore, db: Kysely<Database>) => Promise<T>): Promise<T> {
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

export async function partnerCommand(args: string[]): Promise<void> {
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

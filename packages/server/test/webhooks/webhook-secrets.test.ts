import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/config.js'
import { migrateToLatest, openDatabase, type PatchbayDatabase } from '../../src/db/database.js'
import type { PartnerInput } from '../../src/partners/partner-input.js'
import { PartnerStore } from '../../src/partners/partner-store.js'
import { syncPartners } from '../../src/partners/sync-config.js'
import { partnerWebhookSecretAad } from '../../src/vault/associated-data.js'
import { generateEncryptionKey } from '../../src/vault/key-setup.js'
import { Vault } from '../../src/vault/vault.js'
import { generateWebhookSecret } from '../../src/webhooks/signing.js'
import { WebhookSecrets } from '../../src/webhooks/webhook-secrets.js'
import { databaseTargets } from '../helpers/databases.js'

const declared = (id: string, extra: Partial<PartnerInput> = {}): PartnerInput => ({
  id,
  name: id,
  jwksUrl: `https://${id}.example/jwks`,
  algorithms: ['ES256'],
  issuer: `https://${id}.example`,
  audience: 'patchbay',
  userClaim: 'sub',
  clientSecretHash: `sha256$${'A'.repeat(43)}`,
  redirectUris: [],
  allowedOrigins: [],
  webhookUrl: `https://${id}.example/webhooks`,
  ...extra,
})

describe.each(databaseTargets)('partner webhook secrets ($name)', (target) => {
  let schema: string
  let database: PatchbayDatabase
  let store: PartnerStore
  let secrets: WebhookSecrets
  const vault = Vault.fromKeys([generateEncryptionKey()])

  beforeEach(async () => {
    schema = target.newSchema()
    database = openDatabase({ databaseUrl: target.databaseUrl, dataDir: ':memory:', pgSchema: schema || undefined })
    await migrateToLatest(database, schema || undefined)
    store = new PartnerStore(database)
    secrets = new WebhookSecrets(database.db, vault)
  })
  afterEach(async () => {
    await database.close()
    if (schema) await target.dropSchema(schema)
  })

  const stored = async (id: string) =>
    (await database.db.selectFrom('partners').select('webhook_secret').where('id', '=', id).executeTakeFirstOrThrow()).webhook_secret

  it('stores a generated secret encrypted, bound to its partner', async () => {
    await syncPartners(store, [declared('acme'), declared('globex')])
    expect(await secrets.get('acme')).toBeUndefined()
    const secret = await secrets.rotate('acme')
    expect(secret).toMatch(/^whsec_/)
    const ciphertext = (await stored('acme')) as string
    expect(ciphertext).toMatch(/^pbv1\./)
    expect(ciphertext).not.toContain(secret.slice(6))
    expect(vault.decrypt(ciphertext, partnerWebhookSecretAad('acme'))).toBe(secret)
    expect(await secrets.get('acme')).toBe(secret)
    // Copied to another partner, the ciphertext does not open.
    await database.db.updateTable('partners').set({ webhook_secret: ciphertext }).where('id', '=', 'globex').execute()
    await expect(secrets.get('globex')).rejects.toMatchObject({ code: 'PB_VAULT_AUTH_FAILED' })
    // Rotation replaces it at once.
    const next = await secrets.rotate('acme')
    expect(next).not.toBe(secret)
    expect(await secrets.get('acme')).toBe(next)
    await expect(secrets.rotate('nobody')).rejects.toMatchObject({ code: 'PB_ERR_NOT_FOUND' })
  })

  it('applies webhookSecretEnv from the config file, and rewrites it only when it changes', async () => {
    const secret = generateWebhookSecret()
    const env = { ACME_WEBHOOK_SECRET: secret }
    await syncPartners(store, [declared('acme', { webhookSecretEnv: 'ACME_WEBHOOK_SECRET' })], { webhookSecrets: secrets, env })
    expect(await secrets.get('acme')).toBe(secret)
    const first = await stored('acme')
    await syncPartners(store, [declared('acme', { webhookSecretEnv: 'ACME_WEBHOOK_SECRET' })], { webhookSecrets: secrets, env })
    expect(await stored('acme')).toBe(first)
    const other = generateWebhookSecret()
    await syncPartners(store, [declared('acme', { webhookSecretEnv: 'ACME_WEBHOOK_SECRET' })], {
      webhookSecrets: secrets,
      env: { ACME_WEBHOOK_SECRET: other },
    })
    expect(await secrets.get('acme')).toBe(other)
  })

  it('stops with a ConfigError naming the setting for a missing or malformed webhook secret, never quoting it', async () => {
    const input = [declared('acme', { webhookSecretEnv: 'ACME_WEBHOOK_SECRET' })]
    await expect(syncPartners(store, input, { webhookSecrets: secrets, env: {} })).rejects.toThrow(
      /partners\[0\]\.webhookSecretEnv: environment variable ACME_WEBHOOK_SECRET is not set/,
    )
    const bad = 'whsec_c2hvcnQ='
    const err = await syncPartners(store, input, { webhookSecrets: secrets, env: { ACME_WEBHOOK_SECRET: bad } }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/ACME_WEBHOOK_SECRET must hold "whsec_"/)
    expect((err as Error).message).not.toContain('c2hvcnQ')
    expect(await stored('acme')).toBeNull()
  })
})

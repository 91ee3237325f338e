import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase, type PatchbayDatabase } from '../../src/db/database.js'
import {
  connectionCredentialsAad,
  oauthFlowSecretsAad,
  partnerAppSecretAad,
  partnerWebhookSecretAad,
} from '../../src/vault/associated-data.js'
import { generateEncryptionKey } from '../../src/vault/key-setup.js'
import { reencryptAll } from '../../src/vault/rotate.js'
import { Vault } from '../../src/vault/vault.js'
import { databaseTargets } from '../helpers/databases.js'

const kidOf = (entry: string) => entry.slice(0, entry.indexOf(':'))

describe.each(databaseTargets)('reencryptAll ($name)', (target) => {
  let schema: string
  let dataDir: string
  let database: PatchbayDatabase
  const opened: PatchbayDatabase[] = []
  const keyA = generateEncryptionKey()
  const keyB = generateEncryptionKey()
  const vaultA = Vault.fromKeys([keyA])
  const vaultBA = Vault.fromKeys([keyB, keyA])
  const vaultB = Vault.fromKeys([keyB])

  /** A second handle on the same database, as another server process would have. */
  function open(): PatchbayDatabase {
    const handle = openDatabase({ databaseUrl: target.databaseUrl, dataDir, pgSchema: schema || undefined })
    opened.push(handle)
    return handle
  }

  beforeEach(async () => {
    schema = target.newSchema()
    // SQLite in a file, so a second handle (the concurrent writer) sees the same database.
    dataDir = mkdtempSync(join(tmpdir(), 'patchbay-rotate-'))
    database = open()
    // Kysely's migrator introspects every schema: no other test may drop one meanwhile.
    await migrateToLatest(database, schema || undefined)
  })

  afterEach(async () => {
    for (const handle of opened.splice(0)) await handle.close()
    rmSync(dataDir, { recursive: true, force: true })
    if (schema) await target.dropSchema(schema)
  })

  const now = Date.now()

  async function seedPartner(id: string): Promise<void> {
    await database.db
      .insertInto('partners')
      .values({
        id,
        name: id,
        algorithms: '["ES256"]',
        issuer: `https://${id}.example`,
        audience: 'patchbay',
        user_claim: 'sub',
        client_id: `client-${id}`,
        client_secret_hash: 'sha256$x',
        redirect_uris: '[]',
        allowed_origins: '[]',
        created_at: now,
        updated_at: now,
      })
      .execute()
    await database.db
      .insertInto('end_users')
      .values({ id: `usr_${id}`, partner_id: id, tenant_id: 'default', external_id: 'alice', created_at: now, last_seen_at: now })
      .execute()
    await database.db
      .insertInto('connect_sessions')
      .values({
        id: `cs_${id}`,
        code_hash: `code-${id}`,
        partner_id: id,
        end_user_id: `usr_${id}`,
        apps: '[]',
        nonce: 'n',
        expires_at: now + 60_000,
        created_at: now,
      })
      .execute()
  }

  async function insertConnection(partnerId: string, id: string, credentials: string): Promise<void> {
    await database.db
      .insertInto('connections')
      .values({
        id,
        partner_id: partnerId,
        end_user_id: `usr_${partnerId}`,
        app_key: 'github',
        auth_option: 'oauth2',
        auth_type: 'oauth2',
        status: 'active',
        scopes: '[]',
        params: '{}',
        metadata: '{}',
        credentials,
        created_at: now,
        updated_at: now,
      })
      .execute()
  }

  async function insertPartnerApp(partnerId: string, appKey: string, clientSecret: string | null): Promise<void> {
    await database.db
      .insertInto('partner_apps')
      .values({
        partner_id: partnerId,
        app_key: appKey,
        client_id: 'cid',
        client_secret: clientSecret,
        settings: '{}',
        created_at: now,
        updated_at: now,
      })
      .execute()
  }

  async function insertFlow(sessionId: string, stateHash: string, secrets: string): Promise<void> {
    await database.db
      .insertInto('oauth_flows')
      .values({
        state_hash: stateHash,
        session_id: sessionId,
        app_key: 'github',
        auth_option: 'oauth2',
        browser_hash: 'b',
        secrets,
        context: '{}',
        expires_at: now + 60_000,
        created_at: now,
      })
      .execute()
  }

  const credentialsOf = (partnerId: string, id: string) => ({ access_token: `at-${partnerId}-${id}`, refresh_token: `rt-${id}` })

  /** 7 connections over two partners, 3 partner apps (one without a secret), 2 flows, all under key A. */
  async function seedUnderA(): Promise<void> {
    await seedPartner('acme')
    await seedPartner('globex')
    for (let i = 0; i < 7; i++) {
      const partnerId = i % 2 ? 'globex' : 'acme'
      const id = `con_${i}`
      await insertConnection(partnerId, id, vaultA.encryptJson(credentialsOf(partnerId, id), connectionCredentialsAad(partnerId, id)))
    }
    await insertPartnerApp('acme', 'github', vaultA.encrypt('gh-secret-acme', partnerAppSecretAad('acme', 'github')))
    await insertPartnerApp('acme', 'slack', vaultA.encrypt('slack-secret-acme', partnerAppSecretAad('acme', 'slack')))
    await insertPartnerApp('globex', 'github', null)
    await insertFlow('cs_acme', 'state-1', vaultA.encryptJson({ code_verifier: 'v1' }, oauthFlowSecretsAad('cs_acme', 'state-1')))
    await insertFlow('cs_globex', 'state-2', vaultA.encryptJson({ code_verifier: 'v2' }, oauthFlowSecretsAad('cs_globex', 'state-2')))
    await database.db
      .updateTable('partners')
      .set({ webhook_secret: vaultA.encrypt('whsec-of-acme', partnerWebhookSecretAad('acme')) })
      .where('id', '=', 'acme')
      .execute()
  }

  async function expectAllReadableWith(vault: Vault, kid: string): Promise<void> {
    const connections = await database.db.selectFrom('connections').selectAll().orderBy('id').execute()
    expect(connections).toHaveLength(7)
    for (const row of connections) {
      expect(vault.keyIdOf(row.credentials)).toBe(kid)
      expect(vault.decryptJson(row.credentials, connectionCredentialsAad(row.partner_id, row.id))).toEqual(
        credentialsOf(row.partner_id, row.id),
      )
      expect(row.version).toBe(1)
      expect(row.updated_at).toBe(now)
    }
    const apps = await database.db.selectFrom('partner_apps').selectAll().orderBy('partner_id').orderBy('app_key').execute()
    expect(
      apps.map((a) => (a.client_secret ? vault.decrypt(a.client_secret, partnerAppSecretAad(a.partner_id, a.app_key)) : null)),
    ).toEqual(['gh-secret-acme', 'slack-secret-acme', null])
    const flows = await database.db.selectFrom('oauth_flows').selectAll().orderBy('state_hash').execute()
    expect(flows.map((f) => vault.decryptJson(f.secrets, oauthFlowSecretsAad(f.session_id, f.state_hash)))).toEqual([
      { code_verifier: 'v1' },
      { code_verifier: 'v2' },
    ])
    const partners = await database.db.selectFrom('partners').select(['id', 'webhook_secret']).orderBy('id').execute()
    expect(partners.map((p) => (p.webhook_secret ? vault.decrypt(p.webhook_secret, partnerWebhookSecretAad(p.id)) : null))).toEqual([
      'whsec-of-acme',
      null,
    ])
  }

  it('moves every row from key A to key B in batches; a vault holding only key B then reads them all', async () => {
    await seedUnderA()
    // During the rotation both keys decrypt: rows still under A stay readable.
    await expectAllReadableWith(vaultA, kidOf(keyA))
    const report = await reencryptAll(database.db, vaultBA, { batchSize: 3 })
    expect(report).toEqual({
      partners: { examined: 1, reencrypted: 1, skipped: 0, failed: 0, failures: [] },
      partner_apps: { examined: 2, reencrypted: 2, skipped: 0, failed: 0, failures: [] },
      connections: { examined: 7, reencrypted: 7, skipped: 0, failed: 0, failures: [] },
      oauth_flows: { examined: 2, reencrypted: 2, skipped: 0, failed: 0, failures: [] },
    })
    await expectAllReadableWith(vaultB, kidOf(keyB))
  })

  it('has nothing to do on a second run', async () => {
    await seedUnderA()
    await reencryptAll(database.db, vaultBA, { batchSize: 2 })
    const again = await reencryptAll(database.db, vaultBA, { batchSize: 2 })
    for (const table of Object.values(again)) expect(table).toEqual({ examined: 0, reencrypted: 0, skipped: 0, failed: 0, failures: [] })
  })

  it('reports a row under an unknown key, a plaintext row and a moved row, and leaves them as they are', async () => {
    await seedUnderA()
    const keyC = generateEncryptionKey()
    const underC = Vault.fromKeys([keyC]).encryptJson({ access_token: 'c' }, connectionCredentialsAad('acme', 'con_unknown'))
    await insertConnection('acme', 'con_unknown', underC)
    await insertConnection('acme', 'con_plain', '{"access_token":"legacy-plaintext"}')
    const moved = vaultA.encryptJson({ access_token: 'x' }, connectionCredentialsAad('globex', 'con_elsewhere'))
    await insertConnection('acme', 'con_moved', moved)
    await insertPartnerApp('globex', 'slack', 'plain-client-secret')

    const report = await reencryptAll(database.db, vaultBA, { batchSize: 2 })
    expect(report.connections).toEqual({
      examined: 10,
      reencrypted: 7,
      skipped: 0,
      failed: 3,
      failures: [
        { row: 'con_moved', code: 'PB_VAULT_AUTH_FAILED' },
        { row: 'con_plain', code: 'PB_VAULT_MALFORMED' },
        { row: 'con_unknown', code: 'PB_VAULT_UNKNOWN_KEY' },
      ],
    })
    expect(report.partner_apps).toMatchObject({
      reencrypted: 2,
      failed: 1,
      failures: [{ row: 'globex/slack', code: 'PB_VAULT_MALFORMED' }],
    })
    const left = await database.db
      .selectFrom('connections')
      .select(['id', 'credentials'])
      .where('id', 'in', ['con_unknown', 'con_plain', 'con_moved'])
      .orderBy('id')
      .execute()
    expect(left.map((r) => r.credentials)).toEqual([moved, '{"access_token":"legacy-plaintext"}', underC])
    // A second run reports them again rather than forgetting them.
    expect((await reencryptAll(database.db, vaultBA)).connections).toMatchObject({ examined: 3, failed: 3, reencrypted: 0 })
  })

  it('does not overwrite a row another writer changed during the rotation, and counts it as skipped', async () => {
    await seedUnderA()
    const writer = open()
    const concurrent = vaultBA.encryptJson({ access_token: 'written-concurrently' }, connectionCredentialsAad('globex', 'con_3'))
    // Right after the rotation has read the first batch of connections, another process writes
    // con_3 (a refresh): the rotation still holds con_3's old ciphertext.
    const selects = new WeakMap<object, boolean>()
    let fired = false
    const interleave: KyselyPlugin = {
      transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
        if (node.kind === 'SelectQueryNode' && JSON.stringify(node).includes('"connections"')) selects.set(queryId, true)
        return node
      },
      async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
        if (selects.get(queryId) && !fired) {
          fired = true
          await writer.db.updateTable('connections').set({ credentials: concurrent, version: 2 }).where('id', '=', 'con_3').execute()
        }
        return result
      },
    }
    const report = await reencryptAll(database.db.withPlugin(interleave), vaultBA, { batchSize: 5 })
    expect(fired).toBe(true)
    expect(report.connections).toEqual({ examined: 7, reencrypted: 6, skipped: 1, failed: 0, failures: [] })
    const row = await database.db.selectFrom('connections').selectAll().where('id', '=', 'con_3').executeTakeFirstOrThrow()
    expect(row.credentials).toBe(concurrent)
    expect(row.version).toBe(2)
    expect(vaultB.decryptJson(row.credentials, connectionCredentialsAad('globex', 'con_3'))).toEqual({
      access_token: 'written-concurrently',
    })
  })

  it('refuses a batch size that is not a positive integer', async () => {
    await expect(reencryptAll(database.db, vaultBA, { batchSize: 0 })).rejects.toThrow(TypeError)
  })
})

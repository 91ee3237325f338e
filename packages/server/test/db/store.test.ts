import { describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase } from '../../src/db/database.js'
import { migrationProvider } from '../../src/db/migrations/index.js'
import { rowLimit } from '../../src/db/row-limit.js'
import { secretMatches } from '../../src/lib/random.js'
import { sweepExpired } from '../../src/jobs/maintenance.js'
import { PartnerStore } from '../../src/partners/partner-store.js'
import { AccessTokens } from '../../src/access-tokens/access-tokens.js'
import { upsertEndUser } from '../../src/access-tokens/end-users.js'
import { databaseTargets } from '../helpers/databases.js'
import { migratedDatabases } from '../helpers/migrated-databases.js'

const partnerInput = {
  id: 'acme',
  name: 'Acme',
  jwksUrl: 'https://p.example/jwks',
  algorithms: ['ES256' as const],
  issuer: 'https://p.example',
  audience: 'patchbay',
  userClaim: 'sub',
  redirectUris: [],
  allowedOrigins: [],
}

describe.each(databaseTargets)('store ($name)', (target) => {
  const fresh = migratedDatabases(target)

  it('migrates to the latest schema, and a second run applies nothing', async () => {
    const database = await fresh()
    expect((await migrateToLatest(database)).applied).toEqual([])
    const tables = await database.db.introspection.getTables()
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'partners',
        'end_users',
        'access_tokens',
        'connect_sessions',
        'used_jtis',
        'connections',
        'partner_apps',
        'oauth_flows',
      ]),
    )
  })

  it('migrates safely from several processes at once', async () => {
    if (target.name !== 'postgres') return // the embedded database has one process by design
    const schema = target.newSchema()
    // Four pools racing on a schema that does not exist yet: creating the schema and each migration
    // must happen exactly once, and no process may fail.
    const pools = Array.from({ length: 4 }, () => openDatabase({ databaseUrl: target.databaseUrl, dataDir: ':memory:', pgSchema: schema }))
    pools.forEach((database, i) => fresh.track(database, i === pools.length - 1 ? schema : ''))
    const reports = await Promise.all(pools.map((database) => migrateToLatest(database, schema)))
    expect(reports.flatMap((r) => r.applied).sort()).toEqual(Object.keys(await migrationProvider.getMigrations()).sort())
  })

  it('saves a partner with a generated secret stored only as a hash, and updates it keeping the secret', async () => {
    const database = await fresh()
    const store = new PartnerStore(database)
    const created = await store.save(partnerInput)
    expect(created.created).toBe(true)
    expect(created.clientSecret).toMatch(/^pbsk_/)
    const row = await database.db.selectFrom('partners').selectAll().executeTakeFirstOrThrow()
    expect(JSON.stringify(row)).not.toContain(created.clientSecret)
    expect(secretMatches(created.clientSecret as string, row.client_secret_hash)).toBe(true)

    const updated = await store.save({ ...partnerInput, name: 'Acme Inc' })
    expect(updated.created).toBe(false)
    expect(updated.clientSecret).toBeUndefined()
    expect(updated.partner.name).toBe('Acme Inc')
    expect(updated.partner.clientSecretHash).toBe(row.client_secret_hash)
    expect((await store.getByClientId('acme'))?.id).toBe('acme')
  })

  it('refuses a client id that belongs to another partner', async () => {
    const database = await fresh()
    const store = new PartnerStore(database)
    await store.save(partnerInput)
    await expect(store.save({ ...partnerInput, id: 'other', clientId: 'acme' })).rejects.toMatchObject({ code: 'PB_ERR_CONFLICT' })
    expect((await store.list()).map((p) => p.id)).toEqual(['acme'])
  })

  it('creates one end user under concurrent first exchanges', async () => {
    const database = await fresh()
    await new PartnerStore(database).save(partnerInput)
    const users = await Promise.all(Array.from({ length: 10 }, () => upsertEndUser(database.db, 'acme', 't1', 'u1', Date.now())))
    expect(new Set(users.map((u) => u.id)).size).toBe(1)
    const other = await upsertEndUser(database.db, 'acme', 't2', 'u1', Date.now())
    expect(other.id).not.toBe(users[0]?.id)
  })

  it('issues access tokens stored hashed, authenticates them, and sweeps expired rows', async () => {
    const database = await fresh()
    await new PartnerStore(database).save(partnerInput)
    const user = await upsertEndUser(database.db, 'acme', 't1', 'u1', Date.now())
    const tokens = new AccessTokens(database)
    const now = Date.now()
    const issued = await tokens.issue(database.db, { partnerId: 'acme', endUserId: user.id, scopes: ['proxy'], ttlSeconds: 60, now })
    const stored = await database.db.selectFrom('access_tokens').selectAll().executeTakeFirstOrThrow()
    expect(stored.token_hash).not.toContain(issued.token)
    expect(await tokens.authenticate(issued.token)).toMatchObject({ partnerId: 'acme', tenantId: 't1', userId: 'u1', scopes: ['proxy'] })
    expect(await tokens.authenticate(issued.token, now + 61_000)).toBeUndefined()

    await database.db
      .insertInto('used_jtis')
      .values({ partner_id: 'acme', jti: 'old', expires_at: now - 1 })
      .execute()
    await database.db
      .insertInto('used_jtis')
      .values({ partner_id: 'acme', jti: 'live', expires_at: now + 60_000 })
      .execute()
    await sweepExpired(database.db, now)
    expect((await database.db.selectFrom('used_jtis').select('jti').execute()).map((r) => r.jti)).toEqual(['live'])
  })

  it('sweeps everything else and ends the other abandoned sessions when one session row cannot be read', async () => {
    const database = await fresh()
    await new PartnerStore(database).save(partnerInput)
    const user = await upsertEndUser(database.db, 'acme', 't1', 'u1', Date.now())
    const now = Date.now()
    const abandoned = (id: string, context: string) => ({
      id,
      code_hash: `hash-${id}`,
      partner_id: 'acme',
      end_user_id: user.id,
      apps: '["github"]',
      nonce: `nonce-${id}`,
      expires_at: now - 60_000,
      used_at: now - 120_000,
      browser_hash: 'browser',
      context,
      created_at: now - 180_000,
    })
    // A row written by a broken release: its context is not JSON.
    await database.db.insertInto('connect_sessions').values(abandoned('cs_broken', '{')).execute()
    await database.db
      .insertInto('connect_sessions')
      .values(abandoned('cs_fine', JSON.stringify({ mode: 'popup', returnUrl: null, resultFormat: 'patchbay', theme: null })))
      .execute()
    await database.db
      .insertInto('used_jtis')
      .values({ partner_id: 'acme', jti: 'old', expires_at: now - 1 })
      .execute()
    // The sweep reports the failure (the caller logs it) but does the rest of its work.
    await expect(sweepExpired(database.db, now)).rejects.toThrow()
    expect(await database.db.selectFrom('used_jtis').select('jti').execute()).toEqual([])
    const fine = await database.db.selectFrom('connect_sessions').select('outcome').where('id', '=', 'cs_fine').executeTakeFirstOrThrow()
    expect(JSON.parse(fine.outcome as string)).toMatchObject({ status: 'error', error: 'expired', app: 'github' })
  })
})

describe('rowLimit', () => {
  it('writes a whole number into the SQL and refuses anything else', () => {
    const db = openDatabase({ dataDir: ':memory:' })
    try {
      const { sql, parameters } = db.db.selectFrom('partners').select('id').limit(rowLimit(51)).compile()
      expect(sql).toMatch(/ limit 51$/)
      expect(parameters).toEqual([])
      for (const bad of [1.5, -1, Number.NaN, 2 ** 60]) expect(() => rowLimit(bad)).toThrow(RangeError)
    } finally {
      void db.close()
    }
  })
})

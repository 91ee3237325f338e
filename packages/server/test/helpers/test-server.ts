import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { ActionDefinition } from '@patchbay/catalog'
import type { Updateable } from 'kysely'
import { type Config, loadConfig } from '../../src/config/config.js'
import type { PartnersTable } from '../../src/db/schema.js'
import { createLogger } from '../../src/logger.js'
import type { PartnerInput } from '../../src/partners/partner-input.js'
import { type RunningServer, startServer } from '../../src/http/server.js'
import { generateEncryptionKey } from '../../src/vault/key-setup.js'
import type { DatabaseTarget } from './databases.js'
import { JwksServer, newPartnerKey, type PartnerKey, type SignOptions, signPartnerJwt } from './partner-keys.js'

type CountedTable = 'used_jtis' | 'end_users' | 'access_tokens' | 'connect_sessions'

export interface TestPartner {
  id: string
  clientId: string
  clientSecret: string
  issuer: string
  audience: string
  key: PartnerKey
  /** The partner's own JWKS endpoint (unused, but running, for inline-JWKS partners). */
  jwks: JwksServer
  /** Signs a JWT for this partner with its key, issuer and audience. */
  sign(claims?: Record<string, unknown>, opts?: Partial<SignOptions>): Promise<string>
}

export interface TestServer {
  url: string
  server: RunningServer
  config: Config
  partner: { id: string; clientId: string; clientSecret: string; issuer: string; audience: string }
  key: PartnerKey
  jwks: JwksServer
  /** Every log line the server wrote, as raw JSON text. */
  logs: string[]
  /** Where the database is, for a second Patchbay process on it: the PostgreSQL schema ('' on SQLite) and the SQLite dataDir. */
  pgSchema: string
  dataDir: string
  sign(claims?: Record<string, unknown>, opts?: Partial<SignOptions>): Promise<string>
  /** Row counts of the tables a token request may write to. */
  counts(): Promise<Record<CountedTable, number>>
  /**
   * Changes columns of a partner's row (this server's partner unless `id` is given) and announces
   * the change as Patchbay's own writes do, so in-process caches drop the old row.
   */
  updatePartnerRow(values: Updateable<PartnersTable>, id?: string): Promise<void>
  /**
   * Registers one more partner with a key and JWKS endpoint of its own (stopped on close()).
   * Defaults: issuer https://<id>.example, audience patchbay-<id>, tenant claim `org`.
   */
  addPartner(input: Partial<PartnerInput> & { id: string }, opts?: { alg?: string; inlineJwks?: boolean }): Promise<TestPartner>
  /**
   * Stops this Patchbay server and starts a new one on the same database (SQLite needs
   * `persistent: true`; PostgreSQL reuses the schema) with the same partner, key and JWKS server,
   * whatever state that JWKS server is in. The returned server owns the database and the JWKS
   * server from then on; this one's close() only makes sure its Patchbay server is stopped.
   */
  restart(config?: Record<string, unknown>): Promise<TestServer>
  close(): Promise<void>
}

export interface TestServerOptions {
  target: DatabaseTarget
  config?: Record<string, unknown>
  partner?: Partial<PartnerInput>
  /** Serve the partner keys inline instead of from a JWKS URL. */
  inlineJwks?: boolean
  alg?: string
  /** Action definitions beyond the catalog's (for custom apps), as `startServer` takes them. */
  actions?: ActionDefinition[]
  /** Keep the SQLite database in a temporary dataDir instead of ':memory:', so restart() can reopen it. */
  persistent?: boolean
}

/** What survives a restart. */
interface Shared {
  jwks: JwksServer
  key: PartnerKey
  schema: string
  dataDir: string
  clientSecret?: string
  /** JWKS servers of partners added with addPartner(). */
  extraJwks: JwksServer[]
  /** Generated for this test server (no key material is committed); kept so a restart reads what was stored. */
  encryptionKey: string
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const jwks = await new JwksServer().start()
  const key = await newPartnerKey(options.alg ?? 'ES256')
  jwks.keys = [key.publicJwk]
  const dataDir = options.persistent && !options.target.databaseUrl ? mkdtempSync(join(tmpdir(), 'patchbay-test-')) : ':memory:'
  return launch(options, { jwks, key, schema: options.target.newSchema(), dataDir, extraJwks: [], encryptionKey: generateEncryptionKey() })
}

async function launch(options: TestServerOptions, shared: Shared): Promise<TestServer> {
  const { jwks, key, schema, dataDir } = shared
  const config = loadConfig(
    {},
    {
      host: '127.0.0.1',
      port: 0,
      dataDir,
      ...(options.target.databaseUrl ? { databaseUrl: options.target.databaseUrl } : {}),
      logLevel: 'info',
      'outbound.allowPrivateRanges': ['127.0.0.0/8'],
      encryptionKeys: [shared.encryptionKey],
      // Each PostgreSQL test server's run workers hold connections of their own (runs/runners/worker-runner.ts).
      'runs.concurrency': 4,
      ...options.config,
    },
  )
  const logs: string[] = []
  const logger = createLogger(
    config,
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(chunk.toString())
        cb()
      },
    }),
  )
  const server = await startServer(config, {
    ...(schema ? { pgSchema: schema } : {}),
    logger,
    ...(options.actions ? { actions: options.actions } : {}),
  })
  const partnerInput: PartnerInput = {
    id: 'acme',
    name: 'Acme',
    algorithms: ['RS256', 'ES256', 'EdDSA'],
    issuer: 'https://partner.example',
    audience: 'patchbay',
    userClaim: 'sub',
    tenantClaim: 'org',
    redirectUris: ['https://partner.example/connected'],
    allowedOrigins: ['https://partner.example'],
    ...(options.inlineJwks ? { jwks: { keys: [key.publicJwk as never] } } : { jwksUrl: jwks.url }),
    ...options.partner,
  }
  // On a restart the partner exists already: it keeps its secret (and its last good JWKS).
  const saved = await server.services.partners.save(partnerInput)
  shared.clientSecret ??= saved.clientSecret
  const partner = {
    id: saved.partner.id,
    clientId: saved.partner.clientId,
    clientSecret: shared.clientSecret as string,
    issuer: partnerInput.issuer,
    audience: partnerInput.audience,
  }
  const db = server.services.database.db
  let handedOver = false
  return {
    url: server.url,
    server,
    config: server.services.config,
    partner,
    key,
    jwks,
    logs,
    pgSchema: schema,
    dataDir,
    sign: (claims = {}, opts = {}) =>
      signPartnerJwt({ org: 'org-1', ...claims }, { key, issuer: partner.issuer, audience: partner.audience, ...opts }),
    async updatePartnerRow(values, id = partner.id) {
      const { database } = server.services
      await database.db.updateTable('partners').set(values).where('id', '=', id).execute()
      await database.changes.publish(database.db, { topic: 'partner', key: id })
    },
    async counts() {
      const out = {} as Record<CountedTable, number>
      for (const table of ['used_jtis', 'end_users', 'access_tokens', 'connect_sessions'] as const) {
        const row = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
        out[table] = Number(row.n)
      }
      return out
    },
    async addPartner(input, opts = {}) {
      const extraJwks = await new JwksServer().start()
      shared.extraJwks.push(extraJwks)
      const extraKey = await newPartnerKey(opts.alg ?? 'ES256')
      extraJwks.keys = [extraKey.publicJwk]
      const full: PartnerInput = {
        name: input.id,
        algorithms: ['RS256', 'ES256', 'EdDSA'],
        issuer: `https://${input.id}.example`,
        audience: `patchbay-${input.id}`,
        userClaim: 'sub',
        tenantClaim: 'org',
        redirectUris: [],
        allowedOrigins: [],
        ...(opts.inlineJwks ? { jwks: { keys: [extraKey.publicJwk as never] } } : { jwksUrl: extraJwks.url }),
        ...input,
      }
      const added = await server.services.partners.save(full)
      if (!added.clientSecret) throw new Error(`addPartner: partner ${input.id} exists already`)
      const result: TestPartner = {
        id: added.partner.id,
        clientId: added.partner.clientId,
        clientSecret: added.clientSecret,
        issuer: full.issuer,
        audience: full.audience,
        key: extraKey,
        jwks: extraJwks,
        sign: (claims = {}, signOpts = {}) =>
          signPartnerJwt({ org: 'org-1', ...claims }, { key: extraKey, issuer: full.issuer, audience: full.audience, ...signOpts }),
      }
      return result
    },
    async restart(overrides = {}) {
      if (handedOver) throw new Error('restart(): this test server was restarted already')
      if (!options.target.databaseUrl && dataDir === ':memory:') {
        throw new Error('restart() needs startTestServer({ persistent: true }) on SQLite')
      }
      handedOver = true
      await server.close()
      return launch({ ...options, config: { ...options.config, ...overrides } }, shared)
    },
    async close() {
      await server.close()
      if (handedOver) return
      await jwks.stop()
      for (const extra of shared.extraJwks) await extra.stop()
      if (schema) await options.target.dropSchema(schema)
      if (dataDir !== ':memory:') rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

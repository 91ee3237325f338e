import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/config.js'
import { createLogger } from '../../src/logger.js'
import { startServer } from '../../src/http/server.js'
import { connectionCredentialsAad } from '../../src/vault/associated-data.js'
import { DEV_KEY_FILE, generateEncryptionKey, loadVault, resolveEncryptionKeys } from '../../src/vault/key-setup.js'
import { Vault } from '../../src/vault/vault.js'
import { databaseTargets } from '../helpers/databases.js'

const aad = connectionCredentialsAad('acme', 'con_1')

let dataDir: string
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'patchbay-keys-'))
})
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof address !== 'object' || !address) throw new Error('no port')
  return address.port
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = []
  return {
    lines,
    stream: new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString())
        cb()
      },
    }),
  }
}

describe('resolveEncryptionKeys', () => {
  it('returns the configured keys, even in development mode', () => {
    const keys = [generateEncryptionKey(), generateEncryptionKey()]
    expect(resolveEncryptionKeys({ encryptionKeys: keys, devMode: true, dataDir })).toEqual({ keys, source: 'config', devKey: false })
    expect(existsSync(join(dataDir, DEV_KEY_FILE))).toBe(false)
  })

  it('does not run without a key outside development mode – ConfigError telling how to make one', () => {
    expect(() => resolveEncryptionKeys({ encryptionKeys: [], devMode: false, dataDir })).toThrow(ConfigError)
    expect(() => resolveEncryptionKeys({ encryptionKeys: [], devMode: false, dataDir })).toThrow(
      /PATCHBAY_ENCRYPTION_KEYS.*patchbay keys generate/,
    )
    expect(() => resolveEncryptionKeys({ encryptionKeys: [], devMode: false, dataDir: ':memory:' })).toThrow(ConfigError)
    expect(readdirSync(dataDir)).toEqual([])
  })

  it('points at a leftover development key when development mode is turned off', () => {
    resolveEncryptionKeys({ encryptionKeys: [], devMode: true, dataDir })
    expect(() => resolveEncryptionKeys({ encryptionKeys: [], devMode: false, dataDir })).toThrow(join(dataDir, DEV_KEY_FILE))
  })

  it('creates the development key file (mode 0600) once, then reuses it', () => {
    const first = resolveEncryptionKeys({ encryptionKeys: [], devMode: true, dataDir: join(dataDir, 'nested') })
    const file = join(dataDir, 'nested', DEV_KEY_FILE)
    expect(first).toMatchObject({ source: 'dev-file', devKey: true, file, created: true })
    expect(first.keys).toHaveLength(1)
    expect(first.keys[0]).toMatch(/^dev-[0-9a-f]{12}:[A-Za-z0-9+/]{43}=$/)
    expect(readFileSync(file, 'utf8')).toBe(`${first.keys[0]}\n`)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readdirSync(join(dataDir, 'nested'))).toEqual([DEV_KEY_FILE])

    const second = resolveEncryptionKeys({ encryptionKeys: [], devMode: true, dataDir: join(dataDir, 'nested') })
    expect(second).toMatchObject({ source: 'dev-file', keys: first.keys, created: false })
    const stored = Vault.fromKeys(first.keys).encrypt('secret', aad)
    expect(Vault.fromKeys(second.keys).decrypt(stored, aad)).toBe('secret')
  })

  it('keeps the development key in memory when dataDir is :memory:', () => {
    const resolved = resolveEncryptionKeys({ encryptionKeys: [], devMode: true, dataDir: ':memory:' })
    expect(resolved).toMatchObject({ source: 'dev-memory', devKey: true })
    expect(resolved.file).toBeUndefined()
    expect(existsSync(DEV_KEY_FILE)).toBe(false)
  })

  it('does not use a corrupt development key file – ConfigError naming the file, not quoting it', () => {
    const file = join(dataDir, DEV_KEY_FILE)
    writeFileSync(file, 'dev-x:c2hvcnQta2V5LW1hdGVyaWFs\n', { mode: 0o600 })
    let message = ''
    try {
      resolveEncryptionKeys({ encryptionKeys: [], devMode: true, dataDir })
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      message = (err as Error).message
    }
    expect(message).toContain(file)
    expect(message).toContain('32 bytes')
    expect(message).not.toContain('c2hvcnQta2V5LW1hdGVyaWFs')
  })
})

describe('loadVault', () => {
  it('turns a bad key ring into a ConfigError without key material', () => {
    const [kid, material] = generateEncryptionKey().split(':') as [string, string]
    const other = generateEncryptionKey().split(':')[1] as string
    let error: unknown
    try {
      loadVault({ encryptionKeys: [`${kid}:${material}`, `${kid}:${other}`], devMode: false, dataDir })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain(`duplicate key id "${kid}"`)
    expect((error as Error).message).not.toContain(material)
    expect((error as Error).message).not.toContain(other)
  })

  it('builds the vault from the configured keys, the first one encrypting', () => {
    const keys = [generateEncryptionKey(), generateEncryptionKey()]
    const { vault } = loadVault({ encryptionKeys: keys, devMode: false, dataDir })
    expect(vault.keyIds).toEqual(keys.map((k) => k.split(':')[0]))
  })
})

describe.each(databaseTargets)('startServer and the encryption key ($name)', (target) => {
  it('does not start without a key outside development mode – ConfigError before opening or listening', async () => {
    const port = await freePort()
    const schema = target.newSchema()
    const config = loadConfig(
      {},
      {
        host: '127.0.0.1',
        port,
        dataDir,
        devMode: false,
        logLevel: 'silent',
        ...(target.databaseUrl ? { databaseUrl: target.databaseUrl } : {}),
      },
    )
    await expect(startServer(config, schema ? { pgSchema: schema } : {})).rejects.toBeInstanceOf(ConfigError)
    await expect(startServer(config, schema ? { pgSchema: schema } : {})).rejects.toThrow(/patchbay keys generate/)
    expect(await listening(port)).toBe(false)
    // Nothing was opened: no database file, no dev key, no PostgreSQL schema.
    expect(readdirSync(dataDir)).toEqual([])
    if (schema && target.databaseUrl) {
      const client = new pg.Client({ connectionString: target.databaseUrl })
      await client.connect()
      try {
        const { rowCount } = await client.query('select 1 from information_schema.schemata where schema_name = $1', [schema])
        expect(rowCount).toBe(0)
      } finally {
        await client.end()
      }
    }
  })
})

describe('startServer in development mode', () => {
  async function start(lines: Writable) {
    const config = loadConfig({}, { host: '127.0.0.1', port: 0, dataDir, devMode: true, logLevel: 'info' })
    return startServer(config, { logger: createLogger(config, lines) })
  }

  it('creates the development key, warns, and reuses the key on the next start', async () => {
    const firstLogs = capture()
    const first = await start(firstLogs.stream)
    let stored: string
    try {
      const file = join(dataDir, DEV_KEY_FILE)
      expect(statSync(file).mode & 0o777).toBe(0o600)
      const entry = readFileSync(file, 'utf8').trim()
      expect(first.services.vault.activeKeyId).toBe(entry.split(':')[0])
      const warning = firstLogs.lines.map((l) => JSON.parse(l)).find((l) => l.keySource === 'dev-file')
      expect(warning).toMatchObject({ level: 40, keyFile: file, created: true })
      expect(firstLogs.lines.join('')).not.toContain(entry.split(':')[1])
      stored = first.services.vault.encrypt('kept across restarts', aad)
    } finally {
      await first.close()
    }

    const secondLogs = capture()
    const second = await start(secondLogs.stream)
    try {
      expect(second.services.vault.decrypt(stored, aad)).toBe('kept across restarts')
      expect(secondLogs.lines.map((l) => JSON.parse(l)).find((l) => l.keySource === 'dev-file')).toMatchObject({ created: false })
    } finally {
      await second.close()
    }
  })
})

describe.each(databaseTargets)('startServer and keys that cannot read the stored data ($name)', (target) => {
  /** Starts on one database (this schema or dataDir) with the given keys. */
  function start(schema: string, encryptionKeys: string[]) {
    const config = loadConfig(
      {},
      {
        host: '127.0.0.1',
        port: 0,
        dataDir,
        logLevel: 'silent',
        encryptionKeys,
        ...(target.databaseUrl ? { databaseUrl: target.databaseUrl } : {}),
      },
    )
    return startServer(config, schema ? { pgSchema: schema } : {})
  }

  async function startError(schema: string, encryptionKeys: string[]): Promise<ConfigError> {
    let server: Awaited<ReturnType<typeof startServer>> | undefined
    try {
      server = await start(schema, encryptionKeys)
    } catch (err) {
      return err as ConfigError
    }
    await server.close()
    throw new Error(`started with keys ${encryptionKeys.map((k) => k.split(':')[0]).join(',')}`)
  }

  it('does not start when a stored connection is under a key it lacks, or under a key id whose material differs – ConfigError naming key ids only', async () => {
    const schema = target.newSchema()
    const old = generateEncryptionKey()
    const [oldKid] = old.split(':') as [string, string]
    const first = await start(schema, [old])
    const { db } = first.services.database
    try {
      await first.services.partners.save({
        id: 'acme',
        name: 'Acme',
        issuer: 'https://p.example',
        audience: 'patchbay',
        jwksUrl: 'https://p.example/jwks',
        algorithms: ['ES256'],
        userClaim: 'sub',
        redirectUris: [],
        allowedOrigins: [],
      })
      const now = Date.now()
      await db
        .insertInto('end_users')
        .values({ id: 'eu_1', partner_id: 'acme', tenant_id: 'default', external_id: 'u1', created_at: now, last_seen_at: now })
        .execute()
      await first.services.connections
        .create(
          db,
          { partnerId: 'acme', endUserId: 'eu_1' },
          {
            appKey: 'stripe',
            authOption: 'api_key',
            authType: 'api_key',
            accountIdentifier: null,
            scopes: [],
            params: {},
            metadata: {},
            credentials: { api_key: 'sk_test_stored-under-the-old-key' },
            expiresAt: null,
          },
          { allowMultiple: true },
        )
        .then((stored) => stored.connection)
    } finally {
      await first.close()
    }

    // Another key only: the stored connection's key id is missing.
    const other = generateEncryptionKey()
    const missing = await startError(schema, [other])
    expect(missing).toBeInstanceOf(ConfigError)
    expect(missing.message).toContain(`connections: rows are stored under key id "${oldKid}", not configured`)
    expect(missing.message).toContain(`"${other.split(':')[0]}"`)

    // The same key id with other material: the key id is there, but it opens nothing.
    const impostor = `${oldKid}:${other.split(':')[1]}`
    const wrong = await startError(schema, [impostor])
    expect(wrong).toBeInstanceOf(ConfigError)
    expect(wrong.message).toContain(`connections: key "${oldKid}" opens none of the 1 rows`)
    for (const err of [missing, wrong]) {
      for (const material of [old, other].map((k) => k.split(':')[1] as string)) expect(err.message).not.toContain(material)
    }

    // The new key first and the old one after it: starts, and reads the connection.
    const rotated = await start(schema, [other, old])
    try {
      expect(rotated.services.vault.keyIds).toEqual([other.split(':')[0], oldKid])
    } finally {
      await rotated.close()
      if (schema) await target.dropSchema(schema)
    }
  })
})

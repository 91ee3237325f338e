import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { startServer } from '../../src/http/server.js'
import { generateEncryptionKey } from '../../src/vault/key-setup.js'
import { call } from '../helpers/api-call.js'
import { GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'
import { runCli } from '../helpers/second-process.js'
import type { TestServer } from '../helpers/test-server.js'
import { exchangeToken } from '../helpers/token-request.js'

const execFileAsync = promisify(execFile)
const operations = readFileSync(new URL('../../../../docs/operations.md', import.meta.url), 'utf8')

/**
 * The commands of docs/operations.md, "Backup and restore", as written there (checked below), run
 * with sh and the variables the doc names.
 */
const SQLITE_BACKUP = 'npx patchbay backup "$BACKUP"'
const SQLITE_RESTORE =
  'rm -f "$PATCHBAY_DATA_DIR"/patchbay.sqlite-wal "$PATCHBAY_DATA_DIR"/patchbay.sqlite-shm && cp "$BACKUP" "$PATCHBAY_DATA_DIR"/patchbay.sqlite'
const PG_BACKUP = 'pg_dump --format=custom --schema="$SCHEMA" --schema=graphile_worker --file="$BACKUP" "$DATABASE_URL"'
const PG_RESTORE = 'pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$DATABASE_URL" "$BACKUP"'

function sh(command: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync('/bin/sh', ['-c', command], { env: { PATH: process.env.PATH, ...env } })
}

async function exchange(t: TestServer, sub: string): Promise<string> {
  return (await exchangeToken(t, { sub })).access_token
}

/** An API-key connection through the REST API (the app checks the key first). */
async function connectStripe(t: TestServer, token: string): Promise<string> {
  const res = await call(`${t.url}/v1/connections`, {
    method: 'POST',
    token,
    body: { app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } },
  })
  expect(res.status, res.text).toBe(201)
  return res.json.id as string
}

async function storedKey(t: TestServer, token: string, id: string): Promise<{ status: number; apiKey?: string }> {
  const res = await call(`${t.url}/v1/connections/${id}/credentials`, { token })
  return { status: res.status, apiKey: res.json?.credentials?.api_key ?? res.json?.api_key }
}

describe('docs/operations.md, "Backup and restore"', () => {
  it('shows the commands this suite runs', () => {
    for (const command of [SQLITE_BACKUP, SQLITE_RESTORE, PG_BACKUP, PG_RESTORE]) expect(operations).toContain(command)
  })
})

describe.each(databaseTargets)('backup and restore ($name)', (target) => {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('brings connections back after a restore, their credentials readable with the same keys and only with them', async () => {
    const s = await startConnectSetup(target, {}, { persistent: true })
    let t = s.t
    cleanups.push(() => s.close())
    const token = await exchange(t, 'backed-up')
    const id = await connectStripe(t, token)
    expect(await storedKey(t, token, id)).toEqual({ status: 200, apiKey: GOOD_STRIPE_KEY })

    const dir = mkdtempSync(join(tmpdir(), 'patchbay-backup-'))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    const backup = join(dir, target.name === 'sqlite' ? 'patchbay.sqlite' : 'patchbay.dump')
    const baseUrl = target.databaseUrl as string

    // The backup is taken while the server runs.
    if (target.name === 'sqlite') {
      // `npx patchbay` as the doc writes it: the test's own CLI helper runs the same built command.
      const made = await runCli(
        t,
        SQLITE_BACKUP.replace('npx patchbay ', '')
          .split(' ')
          .map((a) => (a === '"$BACKUP"' ? backup : a)),
      )
      expect(made.code, made.stderr).toBe(0)
      expect(JSON.parse(made.stdout)).toMatchObject({ database: 'sqlite', file: backup, migration: expect.stringMatching(/^\d{4}_/) })
      // A second backup to the same file is refused rather than overwriting it.
      const again = await runCli(t, ['backup', backup])
      expect(again.code).toBe(2)
      expect(again.stderr).toContain('exists already')
    } else {
      await sh(PG_BACKUP, { SCHEMA: t.pgSchema, BACKUP: backup, DATABASE_URL: baseUrl })
    }
    expect(existsSync(backup)).toBe(true)

    // What happens after the backup is lost by the restore: the connection is deleted here…
    const deleted = await call(`${t.url}/v1/connections/${id}`, { method: 'DELETE', token })
    expect(deleted.status).toBe(204)
    expect((await storedKey(t, token, id)).status).toBe(404)

    // …and comes back from the backup, with the server stopped during the restore.
    let restoredUrl: string | undefined
    if (target.name === 'sqlite') {
      await t.server.close()
      await sh(SQLITE_RESTORE, { BACKUP: backup, PATCHBAY_DATA_DIR: t.dataDir })
    } else {
      // Into a new, empty database, as the doc says (the live one keeps running meanwhile).
      const name = `patchbay_restore_${randomBytes(4).toString('hex')}`
      const admin = new pg.Client({ connectionString: baseUrl })
      await admin.connect()
      await admin.query(`create database ${name}`)
      await admin.end()
      cleanups.push(async () => {
        const c = new pg.Client({ connectionString: baseUrl })
        await c.connect()
        await c.query(`drop database if exists ${name} with (force)`)
        await c.end()
      })
      const url = new URL(baseUrl)
      url.pathname = `/${name}`
      restoredUrl = url.href
      await sh(PG_RESTORE, { BACKUP: backup, DATABASE_URL: restoredUrl })
      // graphile-worker's queue came along (queued runs are jobs there).
      const c = new pg.Client({ connectionString: restoredUrl })
      await c.connect()
      const { rows } = await c.query<{ n: string }>('select count(*) as n from graphile_worker.migrations')
      await c.end()
      expect(Number(rows[0]?.n)).toBeGreaterThan(0)
    }

    // A database backup without its keys is useless: another key set is refused at start (exit 78 from the CLI).
    const otherKey = loadConfig(
      {},
      {
        host: '127.0.0.1',
        port: 0,
        dataDir: t.dataDir,
        encryptionKeys: [generateEncryptionKey()],
        ...(restoredUrl ? { databaseUrl: restoredUrl } : {}),
      },
    )
    await expect(startServer(otherKey, t.pgSchema ? { pgSchema: t.pgSchema } : {})).rejects.toThrow(/PATCHBAY_ENCRYPTION_KEYS|key/)

    // With the same key, the connection is back and its credentials decrypt.
    t = await t.restart(restoredUrl ? { databaseUrl: restoredUrl } : {})
    cleanups.push(() => t.close())
    const after = await exchange(t, 'backed-up')
    expect(await storedKey(t, after, id)).toEqual({ status: 200, apiKey: GOOD_STRIPE_KEY })
    const proxied = await call(`${t.url}/v1/proxy/${id}/account`, { token: after })
    expect(proxied.status).toBe(200)
    expect(s.fakeApi.requests.at(-1)?.headers.authorization).toBe(`Bearer ${GOOD_STRIPE_KEY}`)
  }, 60_000)
})

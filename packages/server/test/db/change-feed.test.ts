import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import type { PostgresChangeFeed } from '../../src/db/change-feed.js'
import { openDatabase } from '../../src/db/database.js'
import { hashSecret } from '../../src/lib/random.js'
import { databaseTargets } from '../helpers/databases.js'
import { runCli } from '../helpers/second-process.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { exchange, expectIssued, exchangeParams, postToken } from '../helpers/token-request.js'

/**
 * Partners (by client id) and access tokens (by hash) are served from memory. These tests write
 * from *another process* (the CLI, or plain SQL) and check that the running server never answers
 * from a stale row.
 */
describe.each(databaseTargets)('in-process caches follow writes from other processes ($name)', (target) => {
  let t: TestServer | undefined

  afterEach(async () => {
    await t?.close()
    t = undefined
  })

  async function me(token: string): Promise<number> {
    return (await fetch(`${(t as TestServer).url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status
  }

  async function proxied(token: string): Promise<number> {
    const res = await fetch(`${(t as TestServer).url}/v1/proxy/conn_none/x`, { headers: { authorization: `Bearer ${token}` } })
    await res.arrayBuffer()
    return res.status
  }

  it('a client secret rotated with the CLI stops working at once, and the new one works', async () => {
    t = await startTestServer({ target, persistent: true })
    // Twice, so the partner is certainly served from memory the second time.
    await expectIssued(await exchange(t, await t.sign()))
    await expectIssued(await exchange(t, await t.sign()))

    const rotated = await runCli(t, ['partner', 'rotate-secret', t.partner.id])
    expect(rotated.code, rotated.stderr).toBe(0)
    const newSecret = JSON.parse(rotated.stdout).client_secret as string

    const old = await exchange(t, await t.sign())
    expect({ status: old.status, error: old.json.error }).toEqual({ status: 401, error: 'invalid_client' })
    const fresh = await postToken(
      t.url,
      { clientId: t.partner.clientId, clientSecret: newSecret },
      { params: exchangeParams(await t.sign()) },
    )
    await expectIssued(fresh)
  })

  it('deleting a partner with the CLI ends its access tokens at once', async () => {
    t = await startTestServer({ target, persistent: true })
    const { access_token } = await expectIssued(await exchange(t, await t.sign()))
    expect(await me(access_token)).toBe(200)
    expect(await me(access_token)).toBe(200)
    // The proxy reads the token from memory without a promise (AccessTokens.cached): authenticated, no such connection.
    expect(await proxied(access_token)).toBe(404)

    const deleted = await runCli(t, ['partner', 'delete', t.partner.id, '--yes'])
    expect(deleted.code, deleted.stderr).toBe(0)

    expect(await proxied(access_token)).toBe(401)
    expect(await me(access_token)).toBe(401)
    const again = await exchange(t, await t.sign())
    expect(again.status).toBe(401)
  })
})

// PostgreSQL only: the embedded database has no listener to lose (it reads PRAGMA data_version).
const postgres = databaseTargets.find((target) => target.name === 'postgres')
if (postgres) {
  describe('PostgreSQL change listener', () => {
    const target = postgres
    let t: TestServer | undefined
    afterEach(async () => {
      await t?.close()
      t = undefined
    })

    it('serves from the database while its change listener is down, and caches again once it is back', async () => {
      t = await startTestServer({ target })
      const server = t
      await expectIssued(await exchange(server, await server.sign()))
      const admin = new pg.Client({ connectionString: target.databaseUrl })
      await admin.connect()
      try {
        const feed = server.server.services.database.changes as PostgresChangeFeed
        await waitFor(async () => feed.listenerPid !== undefined)
        const listener = feed.listenerPid as number
        const active = async (pid: number) =>
          (await admin.query('select 1 from pg_stat_activity where pid = $1 and query = $2', [pid, 'listen patchbay_changes'])).rowCount ===
          1
        expect(await active(listener)).toBe(true)

        // Cut the listener, then change the secret with plain SQL: no notification is ever sent.
        // (Once the server has seen the connection go: it reconnects only after a back-off.)
        await admin.query('select pg_terminate_backend($1)', [listener])
        await waitFor(async () => feed.listenerPid !== listener)
        const secret = 'pbsk_changed-while-nobody-listened-0123456789abcdef'
        await admin.query(`update "${server.pgSchema}".partners set client_secret_hash = $1 where id = $2`, [
          hashSecret(secret),
          server.partner.id,
        ])

        const old = await exchange(server, await server.sign())
        expect({ status: old.status, error: old.json.error }).toEqual({ status: 401, error: 'invalid_client' })
        const client = { clientId: server.partner.clientId, clientSecret: secret }
        await expectIssued(await postToken(server.url, client, { params: exchangeParams(await server.sign()) }))

        // The listener comes back by itself; writes are followed again.
        await waitFor(async () => feed.listenerPid !== undefined && feed.listenerPid !== listener)
        expect(await active(feed.listenerPid as number)).toBe(true)
        await expectIssued(await postToken(server.url, client, { params: exchangeParams(await server.sign()) }))
        const rotated = await runCli(server, ['partner', 'rotate-secret', server.partner.id])
        expect(rotated.code, rotated.stderr).toBe(0)
        const stale = await postToken(server.url, client, { params: exchangeParams(await server.sign()) })
        expect(stale.status).toBe(401)
      } finally {
        await admin.end()
      }
    })
  })
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('SQLite change check window', () => {
  it("a writer's settle() outlasts the reader's check window: the next read after it sees the write", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-feed-'))
    const reader = openDatabase({ dataDir })
    const writer = openDatabase({ dataDir })
    try {
      const resets: unknown[] = []
      reader.changes.subscribe((change) => resets.push(change))
      // The reader has just checked: without waiting, a write now is inside its window.
      expect(reader.changes.live()).toBe(true)
      writer.sqlite?.exec('create table scratch (x integer)')
      await writer.changes.publish(writer.db, { topic: 'partner', key: 'p1' })
      await writer.changes.settle()
      reader.changes.live()
      expect(resets).toEqual([undefined])
    } finally {
      await reader.close()
      await writer.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

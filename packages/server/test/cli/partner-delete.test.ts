import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Owner } from '../../src/connections/connection-types.js'
import { databaseTargets } from '../helpers/databases.js'
import { type FakeApi, startFakeApi } from '../helpers/fake-api.js'
import { runCli } from '../helpers/second-process.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { exchange, expectIssued } from '../helpers/token-request.js'

const RV_CLIENT = { clientId: 'rv-client', clientSecret: 'rv-client-secret' }

/** An OAuth app on the fake API with an RFC 7009 revocation endpoint. */
function revocableApp(api: string) {
  return {
    key: 'revocable',
    name: 'Revocable (local)',
    description: 'A local test app.',
    categories: ['developer-tools'],
    docs_url: 'https://example.com/docs',
    api: { base_url: `${api}/rv/api`, allowed_hosts: ['127.0.0.1'] },
    auth: [
      {
        key: 'oauth2',
        type: 'oauth2',
        authorization_url: `${api}/rv/authorize`,
        token_url: `${api}/rv/token`,
        revocation_url: `${api}/rv/revoke`,
        token_auth_method: 'client_secret_basic',
        scopes: ['read'],
        inject: { headers: { Authorization: 'Bearer {credentials.access_token}' } },
      },
    ],
  }
}

describe.each(databaseTargets)('patchbay partner delete ($name)', (target) => {
  let t: TestServer | undefined
  let api: FakeApi | undefined
  afterEach(async () => {
    await t?.close()
    await api?.close()
    t = api = undefined
  })

  // Three CLI runs, each a Node start: the timeout allows for a loaded machine.
  it('asks for --yes without a terminal, then deletes the partner and its connections, revoking their tokens at the provider', async () => {
    api = await startFakeApi({ routes: { 'POST /rv/revoke': () => ({ status: 200, body: '' }) } })
    const apps = [revocableApp(api.url)]
    t = await startTestServer({ target, persistent: true, config: { apps } })
    const services = t.server.services
    await services.partnerApps.set(t.partner.id, 'revocable', { ...RV_CLIENT, scopes: ['read'] })
    const { access_token } = await expectIssued(await exchange(t, await t.sign({ sub: 'user-1' })))
    const principal = await services.accessTokens.authenticate(access_token)
    const owner: Owner = { partnerId: t.partner.id, endUserId: principal?.endUserId as string }
    const db = services.database.db
    await services.connections
      .create(
        db,
        owner,
        {
          appKey: 'revocable',
          authOption: 'oauth2',
          authType: 'oauth2',
          accountIdentifier: null,
          scopes: ['read'],
          params: {},
          metadata: {},
          credentials: { access_token: 'rv-access-1', refresh_token: 'rv-refresh-1', token_type: 'Bearer' },
          expiresAt: Date.now() + 3600_000,
        },
        { allowMultiple: true },
      )
      .then((stored) => stored.connection)
    await services.connections
      .create(
        db,
        owner,
        {
          appKey: 'stripe',
          authOption: 'api_key',
          authType: 'api_key',
          accountIdentifier: null,
          scopes: [],
          params: {},
          metadata: {},
          credentials: { api_key: 'sk_test_not-revocable' },
          expiresAt: null,
        },
        { allowMultiple: true },
      )
      .then((stored) => stored.connection)
    // The CLI reads the same custom apps from its config file, and may reach the fake API.
    const configFile = join(mkdtempSync(join(tmpdir(), 'pb-partner-delete-')), 'patchbay.json')
    writeFileSync(configFile, JSON.stringify({ apps }))
    const env = { PATCHBAY_CONFIG: configFile, PATCHBAY_OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8' }
    const count = async () => (await db.selectFrom('connections').select('id').where('partner_id', '=', t!.partner.id).execute()).length

    const refused = await runCli(t, ['partner', 'delete', t.partner.id], env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('2 connections')
    expect(refused.stderr).toContain('--yes')
    expect(await services.partners.get(t.partner.id)).toBeDefined()
    expect(await count()).toBe(2)
    expect(api.requests).toEqual([])

    const deleted = await runCli(t, ['partner', 'delete', t.partner.id, '--yes'], env)
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: t.partner.id, connections: 2 })
    const revocations = api.requests.filter((r) => r.path === '/rv/revoke')
    expect(revocations.map((r) => Object.fromEntries(new URLSearchParams(r.body)))).toEqual([
      { token: 'rv-refresh-1', token_type_hint: 'refresh_token' },
      { token: 'rv-access-1', token_type_hint: 'access_token' },
    ])
    expect(await services.partners.get(t.partner.id)).toBeUndefined()
    expect(await count()).toBe(0)
    expect(deleted.stdout + deleted.stderr).not.toContain('rv-access-1')

    const missing = await runCli(t, ['partner', 'delete', t.partner.id, '--yes'], env)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('not found')
  }, 120_000)
})

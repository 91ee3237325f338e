import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { type Connection, CredentialRevokedError, type Patchbay, PatchbayError, type PatchbayUser } from '../src/index.js'
import { GOOD_STRIPE_KEY, type SdkSetup, type SentRequest, startSdkSetup } from './helpers/sdk-setup.js'

describe.each(databaseTargets)('apps and connections ($name)', (target) => {
  let s: SdkSetup
  let patchbay: Patchbay
  let requests: SentRequest[]
  let user: PatchbayUser

  beforeAll(async () => {
    s = await startSdkSetup(target)
    ;({ patchbay, requests } = s.sdk())
    user = patchbay.forUser({ userId: 'alice', tenantId: 'org-1' })
  })
  afterAll(() => s?.close())

  const error = (p: Promise<unknown>) =>
    p.then(
      () => expect.unreachable('expected a rejection') as never,
      (e: unknown) => e,
    )
  const connect = (name?: string) =>
    user.connections.create({
      app: 'fakestripe',
      credentials: { api_key: GOOD_STRIPE_KEY },
      allowMultiple: true,
      ...(name ? { name } : {}),
    })

  describe('user.apps', () => {
    it('lists the catalog with the local Stripe app and its API-key option', async () => {
      const apps = await user.apps.list()
      const stripe = apps.find((a) => a.key === 'fakestripe')
      expect(stripe).toMatchObject({ key: 'fakestripe', name: 'Stripe (local)' })
      expect(stripe?.auth.map((o) => o.type)).toEqual(['api_key'])
      expect(stripe?.auth[0]?.fields.map((f) => [f.key, f.kind, f.secret])).toEqual([['api_key', 'credential', true]])
      expect(stripe?.connect_link).toMatch(/\/to\/fakestripe$/)
    })

    it('gets one app by key, and throws PB_ERR_NOT_FOUND (404) for an unknown key', async () => {
      expect(await user.apps.get('fakestripe')).toMatchObject({ key: 'fakestripe', categories: expect.any(Array) })
      const err = await error(user.apps.get('no-such-app'))
      expect(err).toBeInstanceOf(PatchbayError)
      expect(err).toMatchObject({ code: 'PB_ERR_NOT_FOUND', status: 404 })
    })
  })

  describe('user.connections', () => {
    let created: Connection

    it('creates a connection from an API key the app accepts (201)', async () => {
      created = await connect('Billing')
      expect(created).toMatchObject({
        app: 'fakestripe',
        auth_option: 'api_key',
        auth_type: 'api_key',
        status: 'active',
        status_reason: null,
        name: 'Billing',
        account_identifier: 'billing@acme.test',
        params: {},
        expires_at: null,
      })
      expect(created.id).toEqual(expect.any(String))
      expect(JSON.stringify(created)).not.toContain(GOOD_STRIPE_KEY)
    })

    it('throws PB_ERR_CREDENTIALS_REJECTED (422) when the app refuses the key, and stores nothing', async () => {
      const before = (await user.connections.list({ limit: 100 })).data.length
      const err = await error(user.connections.create({ app: 'fakestripe', credentials: { api_key: 'sk_test_WrongKey0123456789abcdef' } }))
      expect(err).toBeInstanceOf(PatchbayError)
      expect(err).toMatchObject({ code: 'PB_ERR_CREDENTIALS_REJECTED', status: 422 })
      expect((await user.connections.list({ limit: 100 })).data.length).toBe(before)
    })

    it('throws PB_ERR_VALIDATION (400) for a key that does not match the field pattern', async () => {
      const err = await error(user.connections.create({ app: 'fakestripe', credentials: { api_key: 'nope' } }))
      expect(err).toMatchObject({ code: 'PB_ERR_VALIDATION', status: 400 })
    })

    it('gets, renames and clears the name of a connection', async () => {
      expect(await user.connections.get(created.id)).toEqual(created)
      const renamed = await user.connections.rename(created.id, 'Stripe EU')
      expect(renamed).toMatchObject({ id: created.id, name: 'Stripe EU' })
      expect((await user.connections.get(created.id)).name).toBe('Stripe EU')
      expect((await user.connections.rename(created.id, null)).name).toBeNull()
    })

    it('lists with filters and walks every page with listAll', async () => {
      await connect('second')
      await connect('third')
      const all = await user.connections.list({ limit: 100 })
      expect(all.next_cursor).toBeNull()
      expect(all.data.length).toBeGreaterThanOrEqual(3)
      expect((await user.connections.list({ app: 'fakestripe', status: 'active' })).data.length).toBe(all.data.length)
      expect((await user.connections.list({ status: 'needs_reauth' })).data).toEqual([])

      const firstPage = await user.connections.list({ limit: 1 })
      expect(firstPage.data).toHaveLength(1)
      expect(firstPage.next_cursor).toEqual(expect.any(String))

      const pagesBefore = requests.filter((r) => r.url.pathname === '/v1/connections').length
      const walked: Connection[] = []
      for await (const c of user.connections.listAll({ limit: 1 })) walked.push(c)
      expect(walked.map((c) => c.id)).toEqual(all.data.map((c) => c.id))
      const pages = requests.filter((r) => r.url.pathname === '/v1/connections').slice(pagesBefore)
      expect(pages.length).toBeGreaterThanOrEqual(all.data.length)
      expect(pages[1]?.url.searchParams.get('cursor')).toEqual(expect.any(String))
      expect(pages[0]?.url.searchParams.get('limit')).toBe('1')
    })

    it("returns the connection's credentials", async () => {
      const creds = await user.connections.credentials(created.id)
      expect(creds).toEqual({
        connection_id: created.id,
        auth_type: 'api_key',
        credentials: { api_key: GOOD_STRIPE_KEY },
        expires_at: null,
      })
    })

    it('passes minValidity as min_validity', async () => {
      const creds = await user.connections.credentials(created.id, { minValidity: 300 })
      expect(creds.credentials).toEqual({ api_key: GOOD_STRIPE_KEY })
      const sent = requests.filter((r) => r.url.pathname === `/v1/connections/${created.id}/credentials`).at(-1)
      expect(sent?.url.searchParams.get('min_validity')).toBe('300')
    })

    it('passes forceRefresh as force_refresh=true (an API-key connection has nothing to refresh: PB_ERR_VALIDATION)', async () => {
      const err = await error(user.connections.credentials(created.id, { forceRefresh: true }))
      expect(err).toBeInstanceOf(PatchbayError)
      expect(err).toMatchObject({ code: 'PB_ERR_VALIDATION', status: 400 })
      expect((err as Error).message).toContain('force_refresh')
      const sent = requests.filter((r) => r.url.pathname === `/v1/connections/${created.id}/credentials`).at(-1)
      expect(sent?.url.searchParams.get('force_refresh')).toBe('true')
      await expect(user.connections.credentials(created.id, { forceRefresh: 'yes' as unknown as boolean })).rejects.toThrow(
        /options\.forceRefresh/,
      )
    })

    it("answers PB_ERR_NOT_FOUND (404) for another end user's connection", async () => {
      const mallory = patchbay.forUser({ userId: 'mallory', tenantId: 'org-1' })
      for (const attempt of [
        () => mallory.connections.get(created.id),
        () => mallory.connections.credentials(created.id),
        () => mallory.connections.rename(created.id, 'mine'),
        () => mallory.connections.delete(created.id),
      ]) {
        expect(await error(attempt())).toMatchObject({ code: 'PB_ERR_NOT_FOUND', status: 404 })
      }
      // Same user id in another tenant is another end user.
      const otherTenant = patchbay.forUser({ userId: 'alice', tenantId: 'org-2' })
      expect(await error(otherTenant.connections.get(created.id))).toMatchObject({ code: 'PB_ERR_NOT_FOUND' })
    })

    it('throws CredentialRevokedError (409) with the connection id when the connection is needs_reauth', async () => {
      const broken = await connect('broken')
      await s.db
        .updateTable('connections')
        .set({ status: 'needs_reauth', status_reason: 'invalid_grant' })
        .where('id', '=', broken.id)
        .execute()
      const err = await error(user.connections.credentials(broken.id))
      expect(err).toBeInstanceOf(CredentialRevokedError)
      expect(err).toBeInstanceOf(PatchbayError)
      expect(err).toMatchObject({ name: 'CredentialRevokedError', code: 'PB_ERR_CREDENTIAL_REVOKED', status: 409, connectionId: broken.id })
      const listed = await user.connections.list({ status: 'needs_reauth' })
      expect(listed.data.map((c) => c.id)).toEqual([broken.id])
      expect(listed.data[0]?.status_reason).toEqual(expect.any(String))
    })

    it('upgrade: a connect session asking for more scopes on an OAuth 2.0 connection; 400 for an API-key one', async () => {
      const me = await s.t.server.services.accessTokens.authenticate(await user.accessToken())
      if (!me) throw new Error('the access token does not authenticate')
      const owner = { partnerId: me.partnerId, endUserId: me.endUserId }
      const github = await s.db.transaction().execute((trx) =>
        s.t.server.services.connections.create(
          trx,
          owner,
          {
            appKey: 'github',
            authOption: 'oauth2',
            authType: 'oauth2',
            accountIdentifier: 'octo@example.test',
            scopes: ['read:user'],
            params: {},
            metadata: {},
            credentials: { access_token: 'gho_test' },
            expiresAt: null,
          },
          { allowMultiple: true },
        ),
      )
      const id = github.connection.id
      const session = await user.connections.upgrade(id, ['repo'])
      expect(session.connectUrl).toMatch(/\/to\/github\?token=/)
      expect(session).toMatchObject({ token: expect.any(String), sessionId: expect.stringMatching(/^cs_/), expiresIn: expect.any(Number) })
      const row = await s.db
        .selectFrom('connect_sessions')
        .select(['reconnect_id', 'upgrade_scopes'])
        .where('id', '=', session.sessionId)
        .executeTakeFirstOrThrow()
      expect(row).toEqual({ reconnect_id: id, upgrade_scopes: '["repo"]' })
      expect(await error(user.connections.upgrade(id, ['admin:enterprise-nope']))).toMatchObject({ code: 'PB_ERR_VALIDATION', status: 400 })
      expect(await error(user.connections.upgrade(created.id, ['repo']))).toMatchObject({ code: 'PB_ERR_VALIDATION', status: 400 })
      await expect(user.connections.upgrade(id, [])).rejects.toThrow(TypeError)
    })

    it('deletes a connection; it is gone afterwards', async () => {
      await expect(user.connections.delete(created.id)).resolves.toBeUndefined()
      expect(await error(user.connections.get(created.id))).toMatchObject({ code: 'PB_ERR_NOT_FOUND', status: 404 })
      expect(await error(user.connections.delete(created.id))).toMatchObject({ code: 'PB_ERR_NOT_FOUND', status: 404 })
    })

    it('refuses bad arguments with a TypeError naming them, sending nothing', async () => {
      const before = requests.length
      await expect(user.connections.get('')).rejects.toThrow(TypeError)
      await expect(user.connections.list({ limit: 0 })).rejects.toThrow(/options\.limit/)
      await expect(user.connections.credentials('x', { minValidity: -1 })).rejects.toThrow(/minValidity/)
      await expect(user.connections.create({ app: 'fakestripe' } as never)).rejects.toThrow(/options\.credentials/)
      expect(requests.length).toBe(before)
    })
  })
})

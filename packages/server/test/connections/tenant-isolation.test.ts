import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Owner } from '../../src/connections/connection-types.js'
import { type Answer, call } from '../helpers/api-call.js'
import { stripeLikeApp } from '../helpers/connect-http.js'
import { databaseTargets } from '../helpers/databases.js'
import { type FakeApi, startFakeApi, stripeAccountRoute } from '../helpers/fake-api.js'
import { startTestServer, type TestPartner, type TestServer } from '../helpers/test-server.js'
import { basicAuth, JWT_TYPE, TOKEN_EXCHANGE } from '../helpers/token-request.js'

const KEY_A = 'sk_test_AliceKey0123456789abcdef'
const KEY_B = 'sk_test_BobKey0123456789abcdefgh'

/**
 * docs/security.md, "Tenancy": every read and write is scoped by (partner, tenant, user) in the query
 * itself; another user's connection id answers exactly like one that does not exist, on every
 * endpoint, and changes nothing.
 */
describe.each(databaseTargets)('Tenant isolation of connections ($name)', (target) => {
  let t: TestServer
  let api: FakeApi
  let globex: TestPartner

  beforeAll(async () => {
    api = await startFakeApi({
      routes: {
        'GET /v1/account': (req) => stripeAccountRoute({ validKey: req.headers.authorization === `Bearer ${KEY_B}` ? KEY_B : KEY_A })(req),
      },
    })
    t = await startTestServer({ target, config: { apps: [stripeLikeApp('fakestripe', `${api.url}/v1`, ['127.0.0.1'])] } })
    globex = await t.addPartner({ id: 'globex' })
  })
  afterAll(async () => {
    await t?.close()
    await api?.close()
  })

  const db = () => t.server.services.database.db

  async function login(partner: Pick<TestPartner, 'clientId' | 'clientSecret' | 'sign'>, sub: string, org: string) {
    const res = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(partner.clientId, partner.clientSecret) },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await partner.sign({ sub, org }),
        subject_token_type: JWT_TYPE,
      }),
    })
    const { access_token } = (await res.json()) as { access_token: string }
    const principal = await t.server.services.accessTokens.authenticate(access_token)
    if (!principal) throw new Error(`token exchange failed for ${sub}`)
    return { token: access_token, owner: { partnerId: principal.partnerId, endUserId: principal.endUserId } as Owner }
  }

  async function seed(owner: Owner, key: string) {
    return t.server.services.connections
      .create(
        db(),
        owner,
        {
          appKey: 'fakestripe',
          authOption: 'api_key',
          authType: 'api_key',
          name: 'mine',
          accountIdentifier: 'owner@example.test',
          scopes: [],
          params: {},
          metadata: {},
          credentials: { api_key: key },
          expiresAt: null,
        },
        { allowMultiple: true },
      )
      .then((stored) => stored.connection)
  }

  async function row(id: string) {
    return db().selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst()
  }

  it("answers another end user's connection id with 404 on every endpoint, and changes nothing", async () => {
    const alice = await login({ ...t.partner, sign: t.sign }, 'alice', 'org-1')
    // Same tenant, another user; the same user id in another tenant; a user of another partner.
    const bob = await login({ ...t.partner, sign: t.sign }, 'bob', 'org-1')
    const aliceElsewhere = await login({ ...t.partner, sign: t.sign }, 'alice', 'org-2')
    const foreign = await login(globex, 'alice', 'org-1')
    const mine = await seed(alice.owner, KEY_A)
    const before = await row(mine.id)
    const eventsBefore = await db()
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()

    const attempts: Array<{ method: string; path: string; body?: unknown }> = [
      { method: 'GET', path: `/v1/connections/${mine.id}` },
      { method: 'PATCH', path: `/v1/connections/${mine.id}`, body: { name: 'stolen' } },
      { method: 'DELETE', path: `/v1/connections/${mine.id}` },
      { method: 'GET', path: `/v1/connections/${mine.id}/credentials` },
      { method: 'GET', path: `/v1/proxy/${mine.id}/account` },
      { method: 'POST', path: `/v1/proxy/${mine.id}/account`, body: { x: 1 } },
    ]
    for (const intruder of [bob, aliceElsewhere, foreign]) {
      for (const a of attempts) {
        const res = await call(`${t.url}${a.path}`, { method: a.method, token: intruder.token, body: a.body })
        expect(res.status, `${a.method} ${a.path}`).toBe(404)
        expect(res.json.error.code, `${a.method} ${a.path}`).toBe('PB_ERR_NOT_FOUND')
        expect(res.text).not.toContain(KEY_A)
        expect(res.text).not.toContain('owner@example.test')
      }
      const list = await call(`${t.url}/v1/connections`, { token: intruder.token })
      expect(list.json.data.map((c: { id: string }) => c.id)).not.toContain(mine.id)
    }
    // Nothing reached the app, nothing changed, nothing was announced.
    expect(api.requests).toEqual([])
    expect(await row(mine.id)).toEqual(before)
    const eventsAfter = await db()
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(eventsAfter.n)).toBe(Number(eventsBefore.n))

    // The owner still has it, untouched.
    const own = await call(`${t.url}/v1/connections/${mine.id}`, { token: alice.token })
    expect(own.status).toBe(200)
    expect(own.json.name).toBe('mine')
  })

  it("creating a connection replaces only the caller's own connections of that app", async () => {
    const alice = await login({ ...t.partner, sign: t.sign }, 'alice-replace', 'org-1')
    const bob = await login({ ...t.partner, sign: t.sign }, 'bob-replace', 'org-1')
    const alices = await seed(alice.owner, KEY_A)
    const res = await call(`${t.url}/v1/connections`, {
      method: 'POST',
      token: bob.token,
      body: { app: 'fakestripe', credentials: { api_key: KEY_B } },
    })
    expect(res.status).toBe(201)
    expect(await row(alices.id)).toBeDefined()
    const bobs = await call(`${t.url}/v1/connections`, { token: bob.token })
    expect(bobs.json.data.map((c: { id: string }) => c.id)).toEqual([res.json.id])
  })

  it("a partner's client credentials list only its own connections", async () => {
    const acmeUser = await login({ ...t.partner, sign: t.sign }, 'acme-op-user', 'org-9')
    const globexUser = await login(globex, 'globex-op-user', 'org-9')
    const acmeConn = await seed(acmeUser.owner, KEY_A)
    const globexConn = await seed(globexUser.owner, KEY_A)

    const ids = async (auth: string, query = '') => {
      const all: string[] = []
      let cursor: string | null = null
      do {
        const page: Answer = await call(`${t.url}/v1/partner/connections?limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`, { auth })
        expect(page.status).toBe(200)
        all.push(...page.json.data.map((c: { id: string }) => c.id))
        cursor = page.json.next_cursor
      } while (cursor)
      return all
    }
    const globexAuth = basicAuth(globex.clientId, globex.clientSecret)
    const acmeAuth = basicAuth(t.partner.clientId, t.partner.clientSecret)
    const seenByGlobex = await ids(globexAuth)
    expect(seenByGlobex).toContain(globexConn.id)
    expect(seenByGlobex).not.toContain(acmeConn.id)
    // Filtering by the other partner's tenant and user ids finds nothing either.
    expect(await ids(globexAuth, '&tenant_id=org-9&user_id=acme-op-user')).toEqual([])
    const seenByAcme = await ids(acmeAuth)
    expect(seenByAcme).toContain(acmeConn.id)
    expect(seenByAcme).not.toContain(globexConn.id)
    // Another partner's secret with this partner's client id is refused.
    const mixed = await call(`${t.url}/v1/partner/connections`, { auth: basicAuth(t.partner.clientId, globex.clientSecret) })
    expect(mixed.status).toBe(401)
  })
})

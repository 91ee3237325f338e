import { readFileSync } from 'node:fs'
import { appsDir } from '@patchbay/catalog'
import { defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { call } from '../helpers/api-call.js'
import { consentAtProvider, describeBrowser, type LaunchedBrowser, launchBrowser, signInAtProvider } from '../helpers/browser.js'
import { authorizeAtProvider, CookieJar, type HttpAnswer, http, SAME_ORIGIN_POST } from '../helpers/connect-http.js'
import { databaseTargets } from '../helpers/databases.js'
import { type FakeApi, startFakeApi } from '../helpers/fake-api.js'
import { type OAuthProvider, startOAuthProvider } from '../helpers/oauth-provider.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { addConnection, apiKeyApp, type EndUser, endUser } from '../proxy/proxy-setup.js'

// Scope upgrades keeping the connection id (docs/api.md, "Upgrading scopes"), end to end: the real
// OAuth server (oidc-provider) behind a catalog app that offers `api:read` and `api:write` as
// optional scopes, Chromium at the consent screens, both databases.

const INSUFFICIENT = 'Bearer error="insufficient_scope", error_description="needs api:write", scope="api:write"'

/** An action that needs `api:read`, which the connection is not granted at first. */
const whoami = defineAction({
  key: 'whoami',
  app: 'acme',
  version: '1.0.0',
  type: 'read',
  title: 'Who am I',
  description: 'Reads the signed-in account.',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['api:read'],
  input: Type.Object({}),
  output: Type.Object({ email: Type.String() }),
  run: async (ctx) => (await ctx.http.get<{ email: string }>('/whoami')).data,
})

/** An action that declares no scope; the app refuses it with RFC 6750 insufficient_scope (api:write). */
const admin = defineAction({
  key: 'admin',
  app: 'acme',
  version: '1.0.0',
  type: 'read',
  title: 'Admin',
  description: 'Reads the admin settings.',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({}),
  output: Type.Object({ ok: Type.Boolean() }),
  run: async (ctx) => (await ctx.http.get<{ ok: boolean }>('/admin')).data,
})

/** The same as `whoami`, for the app that names no account. */
const anonWhoami = defineAction({ ...whoami, key: 'whoami', app: 'anon' })

/**
 * The result page a tab without an opener keeps showing: its title, and the message it would post
 * (present when the session names an origin to post to; links minted for runs and the proxy do not).
 */
async function resultIn(page: Page): Promise<Record<string, unknown>> {
  await page.waitForURL(/\/oauth2\/callback\/acme/, { timeout: 15_000 })
  await page.locator('h1').first().waitFor({ timeout: 15_000 })
  const title = await page.title()
  const block = (await page.locator('#pb-result').count()) > 0 ? await page.locator('#pb-result').textContent() : null
  return { title, ...(block ? (JSON.parse(block) as { message: Record<string, unknown> }).message : {}) }
}

function resultOf(page: HttpAnswer): Record<string, unknown> {
  const title = /<title>([^<]*)<\/title>/.exec(page.text)?.[1]
  const block = /<script type="application\/json" id="pb-result">([^<]*)<\/script>/.exec(page.text)?.[1]
  if (!block && !title) throw new Error(`not a result page (${page.status}): ${page.text.slice(0, 300)}`)
  return { title, ...(block ? (JSON.parse(block) as { message: Record<string, unknown> }).message : {}) }
}

describeBrowser('scope upgrade keeping the connection id', () => {
  describe.each(databaseTargets)('($name)', (target) => {
    let t: TestServer
    let provider: OAuthProvider
    let api: FakeApi
    let browser: LaunchedBrowser | undefined

    beforeAll(async () => {
      provider = await startOAuthProvider()
      api = await startFakeApi({
        routes: {
          'GET /whoami': (req) => ({ json: { email: req.headers.authorization?.startsWith('Bearer ') ? 'ada@example.test' : 'nobody' } }),
          'GET /admin': () => ({ status: 403, headers: { 'www-authenticate': INSUFFICIENT }, json: { message: 'api:write needed' } }),
          'GET /forbidden': () => ({ status: 403, json: { message: 'not yours' } }),
          // GitHub's way: the scopes the endpoint accepts against the ones the token has.
          'GET /gh-missing': () => ({
            status: 403,
            headers: { 'x-accepted-oauth-scopes': 'api:write', 'x-oauth-scopes': 'openid, email' },
            json: { message: 'Resource not accessible by integration' },
          }),
          'GET /gh-granted': () => ({
            status: 403,
            headers: { 'x-accepted-oauth-scopes': 'email, api:write', 'x-oauth-scopes': 'openid, email' },
            json: { message: 'blocked' },
          }),
        },
      })
      const oidc = parseYaml(readFileSync(`${appsDir}/oidc/app.yaml`, 'utf8')) as { auth: Record<string, unknown>[] }
      const acme = {
        ...oidc,
        key: 'acme',
        name: 'Acme Cloud',
        api: { base_url: api.url, allowed_hosts: ['127.0.0.1'], dynamic_hosts: true },
        auth: [{ ...oidc.auth[0], optional_scopes: ['api:read', 'api:write'] }],
      }
      // The same provider behind an app whose credential check names no account.
      const anon = {
        ...acme,
        key: 'anon',
        name: 'Anon Cloud',
        auth: [{ ...acme.auth[0], credential_check: { method: 'GET', url: '/whoami' } }],
      }
      // An app with a connection parameter and a second way to connect: the form a first connection fills in.
      const tenanted = {
        ...acme,
        key: 'tenanted',
        name: 'Tenanted Cloud',
        connection_params: [{ key: 'tenant', label: 'Tenant', pattern: '^[a-z]{2,20}$', example: 'north' }],
        auth: [
          acme.auth[0],
          {
            key: 'api_key',
            type: 'api_key',
            label: 'API key',
            credential_fields: [{ key: 'api_key', label: 'API key', secret: true }],
            inject: { headers: { Authorization: 'Bearer {credentials.api_key}' } },
          },
        ],
      }
      t = await startTestServer({
        target,
        actions: [whoami, admin, anonWhoami] as never,
        config: {
          apps: [acme, anon, tenanted, apiKeyApp('keyed', `${api.url}/keyed`)],
          'webhooks.dispatch': false,
          'rateLimit.connectPerIp': 10_000,
        },
      })
      provider.setRedirectUris(['acme', 'anon', 'tenanted'].map((k) => `${t.url}/oauth2/callback/${k}`))
      const client = provider.clients[0] as { clientId: string; clientSecret: string }
      for (const key of ['acme', 'anon', 'tenanted']) {
        await t.server.services.partnerApps.set(t.partner.id, key, {
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          scopes: ['openid', 'email', 'offline_access'],
          settings: { issuer: provider.issuer },
        })
      }
    })
    afterEach(async () => {
      await browser?.close()
      browser = undefined
    })
    afterAll(async () => {
      await t?.close()
      await provider?.close()
      await api?.close()
    })

    const db = () => t.server.services.database.db
    const row = (id: string) => db().selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const scopesOf = async (id: string) => JSON.parse((await row(id)).scopes) as string[]

    /** Connects `account` at the provider for the end user (HTTP only), with the partner app's scopes. */
    async function connect(user: EndUser, account: string, appKey = 'acme'): Promise<string> {
      const session = await call(`${t.url}/v1/connect/sessions`, { method: 'POST', token: user.token, body: { apps: [appKey] } })
      expect(session.status).toBe(201)
      const jar = new CookieJar()
      const opened = await http(session.json.connect_url, { jar })
      const page = await http(new URL(opened.location as string, t.url).href, { jar })
      expect(page.status).toBe(303)
      const callback = await authorizeAtProvider(page.location as string, {
        username: account,
        stopAt: `${t.url}/oauth2/callback/${appKey}`,
      })
      const result = resultOf(await http(callback.href, { jar }))
      expect(result).toMatchObject({ status: 'success', operation: 'creation' })
      return result.connection_id as string
    }

    async function upgrade(user: EndUser, id: string, scopes: string[]) {
      return call(`${t.url}/v1/connections/${id}/upgrade`, { method: 'POST', token: user.token, body: { scopes } })
    }

    async function eventsOf(id: string) {
      const rows = await db().selectFrom('webhook_events').select(['type', 'payload']).orderBy('created_at').execute()
      return rows
        .map((r) => ({ type: r.type, data: JSON.parse(r.payload).data as Record<string, unknown> & { connection?: { id?: string } } }))
        .filter((e) => e.data.connection?.id === id)
    }

    /** Follows a Connect link in a fresh Chromium: signs in as `account` and allows. */
    async function consentInChromium(url: string, account: string): Promise<{ result: Record<string, unknown>; authorize: URL }> {
      browser = await launchBrowser()
      const { page } = browser
      let authorize: URL | undefined
      page.on('request', (req) => {
        if (req.url().startsWith(`${provider.issuer}/auth`) && !authorize) authorize = new URL(req.url())
      })
      await page.goto(url)
      await signInAtProvider(page, account)
      await consentAtProvider(page, 'allow')
      const result = await resultIn(page)
      if (!authorize) throw new Error('Chromium never reached the authorization endpoint')
      return { result, authorize }
    }

    it('adds a scope and keeps the id, the account and the other scopes; connection.updated and scopes_upgraded are recorded', async () => {
      const user = await endUser(t, 'up-1')
      const id = await connect(user, 'ada')
      const before = await row(id)
      const granted = JSON.parse(before.scopes) as string[]
      expect(granted).toEqual(expect.arrayContaining(['openid', 'email']))
      expect(granted).not.toContain('api:read')

      const res = await upgrade(user, id, ['api:read'])
      expect(res.status).toBe(201)
      expect(res.json.connect_url).toMatch(new RegExp(`^${t.url}/to/acme\\?token=`))
      const { result, authorize } = await consentInChromium(res.json.connect_url, 'ada')
      expect(result).toMatchObject({ status: 'success', connection_id: id, operation: 'reauth', account_identifier: 'ada@example.test' })
      // No incremental authorization for this provider in the catalog: the request names every scope
      // the connection was granted, plus the new one.
      expect(authorize.searchParams.get('scope')?.split(' ').sort()).toEqual([...granted, 'api:read'].sort())
      expect(authorize.searchParams.get('include_granted_scopes')).toBeNull()

      const after = await row(id)
      expect(JSON.parse(after.scopes)).toEqual(expect.arrayContaining(['openid', 'email', 'api:read']))
      expect(after).toMatchObject({ id, status: 'active', account_identifier: 'ada@example.test' })
      expect(after.credentials).not.toBe(before.credentials)
      expect(Number(after.version)).toBe(Number(before.version) + 1)
      const rows = await db().selectFrom('connections').select('id').where('end_user_id', '=', user.endUserId).execute()
      expect(rows.map((r) => r.id)).toEqual([id])

      const events = await eventsOf(id)
      expect(events.map((e) => e.type)).toEqual(['connection.created', 'connection.updated'])
      expect(events[1]?.data).toMatchObject({ operation: 'scope_upgrade', added_scopes: ['api:read'] })
      const audit = await call(`${t.url}/v1/connections/${id}/audit`, { token: user.token })
      expect(audit.status).toBe(200)
      const upgraded = (audit.json.data as { action: string; detail: Record<string, unknown> }[]).find(
        (e) => e.action === 'scopes_upgraded',
      )
      expect(upgraded?.detail).toMatchObject({ requested_scopes: ['api:read'], added_scopes: ['api:read'] })
    })

    it('refuses consent given with another account and leaves the connection untouched', async () => {
      const user = await endUser(t, 'up-2')
      const id = await connect(user, 'ada')
      const before = await row(id)
      const res = await upgrade(user, id, ['api:read'])
      expect(res.status).toBe(201)
      const { result } = await consentInChromium(res.json.connect_url, 'bob')
      expect(result).toMatchObject({ status: 'error', error: 'account_mismatch' })
      await expect(browser?.page.locator('body').textContent()).resolves.toMatch(/another account than the one this connection uses/)
      expect(await row(id)).toEqual(before)
      expect((await eventsOf(id)).map((e) => e.type)).toEqual(['connection.created'])
      const rows = await db().selectFrom('connections').select('id').where('end_user_id', '=', user.endUserId).execute()
      expect(rows.map((r) => r.id)).toEqual([id])
    })

    it('ends a run needing a missing scope in requires_action with an upgrade link; after it, the retried run succeeds', async () => {
      const user = await endUser(t, 'up-3')
      const id = await connect(user, 'ada')
      api.reset()
      const run = await call(`${t.url}/v1/runs`, {
        method: 'POST',
        token: user.token,
        body: { action: 'acme.whoami', connection_id: id, inputs: {}, wait_ms: 20_000 },
      })
      expect(run.status).toBe(200)
      expect(run.json).toMatchObject({
        status: 'requires_action',
        error: { type: 'permission', code: 'missing_scope', missing_scopes: ['api:read'] },
      })
      // Decided before calling: the app never saw the request.
      expect(api.requests.filter((r) => r.path === '/whoami')).toHaveLength(0)
      const link = run.json.error.connect_url as string
      expect(link).toMatch(new RegExp(`^${t.url}/to/acme\\?token=`))

      const { result } = await consentInChromium(link, 'ada')
      expect(result).toMatchObject({ title: 'Acme Cloud reconnected' })
      expect(await scopesOf(id)).toContain('api:read')
      expect((await row(id)).id).toBe(id)

      const again = await call(`${t.url}/v1/runs`, {
        method: 'POST',
        token: user.token,
        body: { action: 'acme.whoami', connection_id: id, inputs: {}, wait_ms: 20_000 },
      })
      expect(again.json).toMatchObject({ status: 'succeeded', output: { email: 'ada@example.test' } })
      expect(api.requests.filter((r) => r.path === '/whoami')).toHaveLength(1)
    })

    it('proxy: an insufficient_scope 403 comes back as is with Patchbay-Upgrade-Url; an ordinary 403 untouched', async () => {
      const user = await endUser(t, 'up-4')
      const id = await connect(user, 'ada')
      const refused = await fetch(`${t.url}/v1/proxy/${id}/admin`, { headers: user.auth })
      expect(refused.status).toBe(403)
      expect(await refused.json()).toEqual({ message: 'api:write needed' })
      expect(refused.headers.get('www-authenticate')).toBe(INSUFFICIENT)
      expect(refused.headers.get('patchbay-missing-scopes')).toBe('api:write')
      const link = refused.headers.get('patchbay-upgrade-url') as string
      expect(link).toMatch(new RegExp(`^${t.url}/to/acme\\?token=`))

      const plain = await fetch(`${t.url}/v1/proxy/${id}/forbidden`, { headers: user.auth })
      expect(plain.status).toBe(403)
      expect(await plain.json()).toEqual({ message: 'not yours' })
      expect(plain.headers.get('patchbay-upgrade-url')).toBeNull()
      expect(plain.headers.get('patchbay-missing-scopes')).toBeNull()
      // GitHub's headers: none of the accepted scopes granted is a missing scope; one granted is an ordinary 403.
      const gh = await fetch(`${t.url}/v1/proxy/${id}/gh-missing`, { headers: user.auth })
      expect(gh.status).toBe(403)
      expect(await gh.json()).toEqual({ message: 'Resource not accessible by integration' })
      expect(gh.headers.get('patchbay-missing-scopes')).toBe('api:write')
      expect(gh.headers.get('patchbay-upgrade-url')).toMatch(new RegExp(`^${t.url}/to/acme\\?token=`))
      const ghGranted = await fetch(`${t.url}/v1/proxy/${id}/gh-granted`, { headers: user.auth })
      expect(ghGranted.status).toBe(403)
      expect(await ghGranted.json()).toEqual({ message: 'blocked' })
      expect(ghGranted.headers.get('patchbay-missing-scopes')).toBeNull()
      expect(ghGranted.headers.get('patchbay-upgrade-url')).toBeNull()

      // The link is a scope upgrade of that connection.
      const jar = new CookieJar()
      const opened = await http(link, { jar })
      const page = await http(new URL(opened.location as string, t.url).href, { jar })
      const callback = await authorizeAtProvider(page.location as string, { username: 'ada', stopAt: `${t.url}/oauth2/callback/acme` })
      expect(resultOf(await http(callback.href, { jar }))).toMatchObject({ title: 'Acme Cloud reconnected' })
      expect(await scopesOf(id)).toContain('api:write')
    })

    it('ends a run the app refuses with insufficient_scope in requires_action with an upgrade link for the named scope', async () => {
      const user = await endUser(t, 'up-6')
      const id = await connect(user, 'ada')
      const run = await call(`${t.url}/v1/runs`, {
        method: 'POST',
        token: user.token,
        body: { action: 'acme.admin', connection_id: id, inputs: {}, wait_ms: 20_000 },
      })
      expect(run.status).toBe(200)
      expect(run.json).toMatchObject({
        status: 'requires_action',
        error: { type: 'permission', code: 'missing_scope', missing_scopes: ['api:write'] },
      })
      const link = run.json.error.connect_url as string
      expect(link).toMatch(new RegExp(`^${t.url}/to/acme\\?token=`))
      const before = await row(id)
      expect(before.status).toBe('active')

      const jar = new CookieJar()
      const opened = await http(link, { jar })
      const page = await http(new URL(opened.location as string, t.url).href, { jar })
      const authorize = new URL(page.location as string)
      expect(authorize.searchParams.get('scope')?.split(' ')).toContain('api:write')
      const callback = await authorizeAtProvider(page.location as string, { username: 'ada', stopAt: `${t.url}/oauth2/callback/acme` })
      expect(resultOf(await http(callback.href, { jar }))).toMatchObject({ title: 'Acme Cloud reconnected' })
      expect(await scopesOf(id)).toEqual(expect.arrayContaining(['openid', 'email', 'api:write']))
      expect((await eventsOf(id)).map((e) => e.type)).toEqual(['connection.created', 'connection.updated'])
    })

    it('an app that names no account: the upgrade is refused up front, and refusals carry no link', async () => {
      const user = await endUser(t, 'up-7')
      const id = await connect(user, 'ada', 'anon')
      const before = await row(id)
      expect(before.account_identifier).toBeNull()
      const sessions = async () => (await db().selectFrom('connect_sessions').select('id').execute()).length
      const count = await sessions()
      const res = await upgrade(user, id, ['api:read'])
      expect(res.status).toBe(400)
      expect(res.json.error).toMatchObject({ code: 'PB_ERR_VALIDATION' })
      expect(res.json.error.message).toMatch(/does not tell which account/)
      expect(await sessions()).toBe(count)

      const refused = await fetch(`${t.url}/v1/proxy/${id}/admin`, { headers: user.auth })
      expect(refused.status).toBe(403)
      expect(refused.headers.get('patchbay-missing-scopes')).toBe('api:write')
      expect(refused.headers.get('patchbay-upgrade-url')).toBeNull()

      // A run needing the scope still ends requires_action, without a link that could only fail.
      const run = await call(`${t.url}/v1/runs`, {
        method: 'POST',
        token: user.token,
        body: { action: 'anon.whoami', connection_id: id, inputs: {}, wait_ms: 20_000 },
      })
      expect(run.json).toMatchObject({ status: 'requires_action', error: { code: 'missing_scope', missing_scopes: ['api:read'] } })
      expect(run.json.error.connect_url).toBeUndefined()
      expect(await sessions()).toBe(count)
      expect(await row(id)).toEqual(before)
    })

    it("an upgrade goes straight to the provider with the connection's own auth option and parameters", async () => {
      const user = await endUser(t, 'up-8')
      const session = await call(`${t.url}/v1/connect/sessions`, { method: 'POST', token: user.token, body: { apps: ['tenanted'] } })
      const jar = new CookieJar()
      const opened = await http(session.json.connect_url, { jar })
      const pageUrl = new URL(opened.location as string, t.url).href
      const form = await http(pageUrl, { jar })
      // Two ways to connect and a tenant to type: the first connection fills in the form.
      expect(form.status).toBe(200)
      const posted = await http(pageUrl, { jar, headers: SAME_ORIGIN_POST, form: { auth_option: 'oauth2', tenant: 'north' } })
      // The "redirecting" page links to the provider's authorization endpoint.
      const at = posted.text.indexOf(`${provider.issuer}/auth`)
      const toProvider = at < 0 ? undefined : /^[^"'\s<]+/.exec(posted.text.slice(at))?.[0]
      expect(toProvider).toBeDefined()
      const first = await authorizeAtProvider((toProvider as string).replaceAll('&amp;', '&'), {
        username: 'ada',
        stopAt: `${t.url}/oauth2/callback/tenanted`,
      })
      const created = resultOf(await http(first.href, { jar }))
      expect(created).toMatchObject({ status: 'success', operation: 'creation' })
      const id = created.connection_id as string
      expect(JSON.parse((await row(id)).params)).toEqual({ tenant: 'north' })

      const res = await upgrade(user, id, ['api:read'])
      expect(res.status).toBe(201)
      // A start URL naming another tenant does not move the upgrade: the connection's own parameters win.
      const code = new URL(res.json.connect_url as string).searchParams.get('token') as string
      expect(code).toBeTruthy()
      const upJar = new CookieJar()
      const upOpened = await http(
        `${t.url}/to/tenanted?token=${encodeURIComponent(code)}&params=${encodeURIComponent('{"tenant":"south"}')}`,
        {
          jar: upJar,
        },
      )
      const upPage = await http(new URL(upOpened.location as string, t.url).href, { jar: upJar })
      // No form: the connection's option and tenant are used as they are.
      expect(upPage.status).toBe(303)
      expect(upPage.location?.startsWith(`${provider.issuer}/auth`)).toBe(true)
      const callback = await authorizeAtProvider(upPage.location as string, {
        username: 'ada',
        stopAt: `${t.url}/oauth2/callback/tenanted`,
      })
      expect(resultOf(await http(callback.href, { jar: upJar }))).toMatchObject({
        status: 'success',
        connection_id: id,
        operation: 'reauth',
      })
      const after = await row(id)
      expect(JSON.parse(after.params)).toEqual({ tenant: 'north' })
      expect(JSON.parse(after.scopes)).toContain('api:read')
      expect(after.auth_option).toBe('oauth2')
    })

    it('answers clear errors and writes nothing for an unknown or foreign connection, a scope not offered, a non-OAuth connection', async () => {
      const owner = await endUser(t, 'up-5')
      const other = await endUser(t, 'up-5-other')
      const id = await connect(owner, 'ada')
      const keyed = await addConnection(t, owner, { app: 'keyed', credentials: { api_key: 'k_live_1234567890' } })
      const sessions = async () => (await db().selectFrom('connect_sessions').select('id').execute()).length
      const count = await sessions()

      const unknown = await upgrade(owner, 'conn_nope', ['api:read'])
      expect(unknown.status).toBe(404)
      expect(unknown.json.error).toMatchObject({ code: 'PB_ERR_NOT_FOUND' })
      const foreign = await upgrade(other, id, ['api:read'])
      expect(foreign.status).toBe(404)
      // Another user's connection is answered exactly like one that does not exist.
      expect(foreign.json.error).toMatchObject({ code: 'PB_ERR_NOT_FOUND', message: `connection ${id} not found` })

      const notOffered = await upgrade(owner, id, ['api:read', 'admin:everything'])
      expect(notOffered.status).toBe(400)
      expect(notOffered.json.error).toMatchObject({ code: 'PB_ERR_VALIDATION' })
      expect(notOffered.json.error.message).toMatch(/"admin:everything" is not offered by acme/)

      const nonOAuth = await upgrade(owner, keyed, ['api:read'])
      expect(nonOAuth.status).toBe(400)
      expect(nonOAuth.json.error).toMatchObject({ code: 'PB_ERR_VALIDATION' })
      expect(nonOAuth.json.error.message).toMatch(/only OAuth 2.0 connections/)
      expect(JSON.stringify(nonOAuth.json)).not.toContain('k_live_1234567890')

      const empty = await upgrade(owner, id, [])
      expect(empty.status).toBe(400)
      expect(await sessions()).toBe(count)
    })
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { OAuthError } from '../src/index.js'
import { type SdkSetup, startSdkSetup, tokenRequests } from './helpers/sdk-setup.js'

const CONNECT_SESSION_TYPE = 'urn:patchbay:params:oauth:token-type:connect_session'

describe.each(databaseTargets)('user.createConnectSession ($name)', (target) => {
  let s: SdkSetup

  beforeAll(async () => {
    s = await startSdkSetup(target)
  })
  afterAll(() => s?.close())

  const sessionRow = (id: string) => s.db.selectFrom('connect_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  it('mints a code that opens the Connect UI once (/to/<app> answers a redirect, then 410)', async () => {
    const { patchbay } = s.sdk()
    const before = Date.now()
    const session = await patchbay.forUser({ userId: 'alice', tenantId: 'org-1' }).createConnectSession({ apps: ['fakestripe'] })
    expect(session.token).toMatch(/^pbsc_/)
    expect(session.sessionId).toEqual(expect.any(String))
    expect(session.expiresIn).toBe(s.t.config.sessionTtl)
    const expiresAt = Date.parse(session.expiresAt)
    expect(expiresAt).toBeGreaterThanOrEqual(before + session.expiresIn * 1000 - 1000)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + session.expiresIn * 1000)

    const open = await fetch(`${s.t.url}/to/fakestripe?token=${encodeURIComponent(session.token)}`, { redirect: 'manual' })
    expect(open.status).toBe(303)
    expect(open.headers.get('location')).toEqual(expect.any(String))
    const again = await fetch(`${s.t.url}/to/fakestripe?token=${encodeURIComponent(session.token)}`, { redirect: 'manual' })
    expect(again.status).toBe(410)
  })

  it('returns a connectUrl that opens the one allowed app, or the picker', async () => {
    const { patchbay } = s.sdk()
    const user = patchbay.forUser({ userId: 'frank', tenantId: 'org-1' })
    const one = await user.createConnectSession({ apps: ['fakestripe'] })
    expect(one.connectUrl).toBe(`${s.t.url}/to/fakestripe?token=${encodeURIComponent(one.token)}`)
    const opened = await fetch(one.connectUrl, { redirect: 'manual' })
    expect(opened.status).toBe(303)
    expect(opened.headers.get('location')).toBe(`/connect/${one.sessionId}/fakestripe`)
    const many = await user.createConnectSession()
    expect(many.connectUrl).toBe(`${s.t.url}/connect?token=${encodeURIComponent(many.token)}`)

    // A server that predates connect_url: the SDK builds the same link.
    const { patchbay: older } = s.sdk({
      fetch: async (input, init) => {
        const res = await fetch(input, init)
        if (!String(input).endsWith('/oauth/token')) return res
        const { connect_url: _dropped, ...body } = (await res.json()) as Record<string, unknown>
        return new Response(JSON.stringify(body), { status: res.status, headers: { 'content-type': 'application/json' } })
      },
    })
    const built = await older.forUser({ userId: 'frank', tenantId: 'org-1' }).createConnectSession({ apps: ['fakestripe'] })
    expect(built.connectUrl).toBe(`${s.t.url}/to/fakestripe?token=${encodeURIComponent(built.token)}`)
  })

  it('sends every option as a token exchange parameter', async () => {
    const bodies: URLSearchParams[] = []
    const { patchbay } = s.sdk({
      fetch: async (input, init) => {
        if (String(input).endsWith('/oauth/token')) bodies.push(new URLSearchParams(String(init?.body)))
        return fetch(input, init)
      },
    })
    const session = await patchbay.forUser({ userId: 'bob', tenantId: 'org-1' }).createConnectSession({
      apps: ['fakestripe', 'github'],
      allowedOrigin: 'https://partner.example',
      redirectUri: 'https://partner.example/connected',
      reconnectId: 'conn_abc',
      customState: 'state-42',
      allowMultiple: true,
    })
    expect(Object.fromEntries(bodies[0] ?? [])).toMatchObject({
      requested_token_type: CONNECT_SESSION_TYPE,
      apps: 'fakestripe github',
      allowed_origin: 'https://partner.example',
      redirect_uri: 'https://partner.example/connected',
      reconnect_id: 'conn_abc',
      custom_state: 'state-42',
      allow_multiple: 'true',
    })
    const row = await sessionRow(session.sessionId)
    expect(row).toMatchObject({
      allowed_origin: 'https://partner.example',
      redirect_uri: 'https://partner.example/connected',
      reconnect_id: 'conn_abc',
      custom_state: 'state-42',
    })
    expect(Number(row.allow_multiple)).toBe(1)
    expect(JSON.parse(row.apps)).toEqual(['fakestripe', 'github'])
  })

  it('signs a fresh JWT for every session (jti is single use) and does not touch the access token cache', async () => {
    const { patchbay, requests } = s.sdk()
    const user = patchbay.forUser({ userId: 'carol', tenantId: 'org-1' })
    const a = await user.createConnectSession()
    const b = await user.createConnectSession()
    expect(a.token).not.toBe(b.token)
    expect(tokenRequests(requests)).toHaveLength(2)
    await user.me()
    expect(tokenRequests(requests)).toHaveLength(3)
  })

  it('throws OAuthError invalid_request for an unregistered redirect URI', async () => {
    const { patchbay } = s.sdk()
    const err = await patchbay
      .forUser({ userId: 'dave', tenantId: 'org-1' })
      .createConnectSession({ redirectUri: 'https://evil.example/steal' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OAuthError)
    expect(err).toMatchObject({ code: 'invalid_request', status: 400 })
    expect((err as OAuthError).errorDescription).toMatch(/redirect_uri/)
  })

  it('refuses bad options before sending anything', async () => {
    const { patchbay, requests } = s.sdk()
    const user = patchbay.forUser({ userId: 'erin', tenantId: 'org-1' })
    await expect(user.createConnectSession({ apps: ['a b'] })).rejects.toThrow(/options\.apps/)
    await expect(user.createConnectSession({ allowMultiple: 'yes' as unknown as boolean })).rejects.toThrow(/options\.allowMultiple/)
    expect(requests).toHaveLength(0)
  })
})

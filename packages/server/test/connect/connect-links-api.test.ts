import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Answer, call } from '../helpers/api-call.js'
import { authorizeAtProvider, CookieJar, type HttpAnswer, http } from '../helpers/connect-http.js'
import { type ConnectSetup, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'

/**
 * Connect links (docs/connect-links.md): minted with the end user's `connect` token, opened once by
 * the first browser (which the link's session is bound to), reported by GET and by webhook events
 * carrying `connect_link_id`. Connections come from the real OAuth server (oidc-provider).
 */
describe.each(databaseTargets)('/v1/connect/links ($name)', (target) => {
  let s: ConnectSetup

  beforeAll(async () => {
    s = await startConnectSetup(target, { 'rateLimit.connectPerIp': 10_000, linkMaxTtl: 3 * 24 * 3600 })
  })
  afterAll(async () => {
    await s?.close()
  })

  const db = () => s.t.server.services.database.db

  type Signer = { clientId: string; clientSecret: string; sign(claims: Record<string, unknown>): Promise<string> }

  async function accessToken(sub: string, scope?: string, partner: Signer = { ...s.t.partner, sign: s.t.sign }): Promise<string> {
    const res = await fetch(`${s.t.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${partner.clientId}:${partner.clientSecret}`)}` },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await partner.sign({ sub }),
        subject_token_type: JWT_TYPE,
        ...(scope ? { scope } : {}),
      }),
    })
    const body = (await res.json()) as { access_token: string }
    if (!res.ok) throw new Error(`token exchange failed: ${JSON.stringify(body)}`)
    return body.access_token
  }

  const mint = async (sub: string, body: Record<string, unknown>): Promise<Answer> =>
    call(`${s.t.url}/v1/connect/links`, { method: 'POST', token: await accessToken(sub), body })
  const getLink = async (sub: string, id: string): Promise<Answer> =>
    call(`${s.t.url}/v1/connect/links/${id}`, { token: await accessToken(sub) })
  const revoke = async (sub: string, id: string): Promise<Answer> =>
    call(`${s.t.url}/v1/connect/links/${id}`, { method: 'DELETE', token: await accessToken(sub) })

  /** Opens a link URL in the browser of `jar` and follows Patchbay's own redirects to the provider. */
  async function openLink(url: string, jar: CookieJar): Promise<HttpAnswer> {
    let res = await http(url, { jar })
    for (let hop = 0; hop < 5 && res.status === 303 && res.location?.startsWith('/'); hop++) {
      res = await http(new URL(res.location, s.t.url).href, { jar })
    }
    return res
  }

  it('mints a link whose first visit connects the end user and reports the connection by GET and webhook', async () => {
    const created = await mint('link-alice', { apps: ['oidc'], redirect_uri: s.partnerPage.returnUrl, custom_state: 'st-link' })
    expect(created.status).toBe(201)
    expect(created.headers.get('cache-control')).toBe('no-store')
    expect(created.json.url).toMatch(new RegExp(`^${s.t.url}/link\\?token=pbcl_[A-Za-z0-9_-]{40,}$`))
    const link = created.json.link
    expect(link).toMatchObject({ status: 'pending', apps: ['oidc'], redirect_uri: s.partnerPage.returnUrl, connection_id: null })
    // About one day (PATCHBAY_LINK_TTL's default).
    const ttl = Date.parse(link.expires_at) - Date.parse(link.created_at)
    expect(ttl).toBe(24 * 3600 * 1000)
    // Only a hash of the token is stored.
    const token = new URL(created.json.url).searchParams.get('token') as string
    const row = await db().selectFrom('connect_links').selectAll().where('id', '=', link.id).executeTakeFirstOrThrow()
    expect(JSON.stringify(row)).not.toContain(token)

    const jar = new CookieJar()
    const toProvider = await openLink(created.json.url, jar)
    expect(toProvider.status).toBe(303)
    expect(toProvider.location).toMatch(new RegExp(`^${s.provider.issuer}`))
    const opened = (await getLink('link-alice', link.id)).json
    expect(opened).toMatchObject({ status: 'used', outcome: null, connection_id: null })
    expect(opened.session_id).toMatch(/^cs_/)

    const callback = await authorizeAtProvider(toProvider.location as string, {
      username: 'link-alice',
      stopAt: `${s.t.url}/oauth2/callback/oidc`,
    })
    const done = await http(callback.href, { jar })
    expect(done.status).toBe(303)
    const back = new URL(done.location as string)
    expect(`${back.origin}${back.pathname}`).toBe(s.partnerPage.returnUrl)
    expect(back.searchParams.get('state')).toBe('st-link')
    const connectionId = back.searchParams.get('connection_id')
    expect(connectionId).toMatch(/^conn_/)

    const after = await getLink('link-alice', link.id)
    expect(after.status).toBe(200)
    expect(after.json).toMatchObject({
      status: 'used',
      connection_id: connectionId,
      outcome: { status: 'success', app: 'oidc', connection_id: connectionId, operation: 'creation' },
    })
    const events = await db().selectFrom('webhook_events').select(['type', 'payload']).where('partner_id', '=', s.t.partner.id).execute()
    const created_ = events.map((e) => JSON.parse(e.payload)).find((p) => p.data.connection?.id === connectionId)
    expect(created_).toMatchObject({ type: 'connection.created', data: { connect_link_id: link.id, operation: 'creation' } })

    // Single use: another browser is told the link was used; the listing filters by status.
    const again = await http(created.json.url, { jar: new CookieJar() })
    expect(again.status).toBe(410)
    expect(again.text).toContain('already used')
    const used = await call(`${s.t.url}/v1/connect/links?status=used`, { token: await accessToken('link-alice') })
    expect(used.json.data.map((l: { id: string }) => l.id)).toEqual([link.id])
  })

  it('lets the browser that opened the link back into its session, and no other', async () => {
    const created = await mint('link-resume', { apps: ['oidc'] })
    const jar = new CookieJar()
    const first = await http(created.json.url, { jar })
    expect(first.status).toBe(303)
    const sessionPath = first.location as string
    const same = await http(created.json.url, { jar })
    expect(same.status).toBe(303)
    expect(sessionPath.startsWith(same.location as string)).toBe(true)
    const stranger = await http(created.json.url, { jar: new CookieJar() })
    expect(stranger.status).toBe(410)
  })

  it('refuses a return URL the partner did not register, and look-alikes, minting nothing', async () => {
    const before = await db().selectFrom('connect_links').select(db().fn.countAll().as('n')).executeTakeFirstOrThrow()
    for (const uri of [
      'https://evil.example/cb',
      `${s.partnerPage.returnUrl}/x`,
      'javascript:alert(1)',
      '//evil.example',
      'https://partner.example@evil.example/connected',
    ]) {
      const res = await mint('link-bad-uri', { redirect_uri: uri })
      expect(res.status, uri).toBe(400)
      expect(res.json.error.code).toBe('PB_ERR_INVALID_REDIRECT_URI')
    }
    const after = await db().selectFrom('connect_links').select(db().fn.countAll().as('n')).executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
  })

  it('bounds expires_in by PATCHBAY_LINK_MAX_TTL', async () => {
    const tooLong = await mint('link-ttl', { expires_in: 3 * 24 * 3600 + 1 })
    expect(tooLong.status).toBe(400)
    expect(tooLong.json.error).toMatchObject({ code: 'PB_ERR_VALIDATION' })
    expect(tooLong.json.error.message).toContain('expires_in')
    const ok = await mint('link-ttl', { expires_in: 3600 })
    expect(ok.status).toBe(201)
    expect(Date.parse(ok.json.link.expires_at) - Date.parse(ok.json.link.created_at)).toBe(3600 * 1000)
  })

  it('answers an expired link with 410 and PB_ERR_LINK_EXPIRED on revoke', async () => {
    const created = await mint('link-expired', { apps: ['oidc'] })
    await db()
      .updateTable('connect_links')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', created.json.link.id)
      .execute()
    const page = await http(created.json.url, { jar: new CookieJar() })
    expect(page.status).toBe(410)
    expect(page.text).toContain('expired')
    expect((await getLink('link-expired', created.json.link.id)).json.status).toBe('expired')
    const res = await revoke('link-expired', created.json.link.id)
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('PB_ERR_LINK_EXPIRED')
    const sessions = await db().selectFrom('connect_sessions').select('id').where('link_id', '=', created.json.link.id).execute()
    expect(sessions).toEqual([])
  })

  it('revokes a pending link: its page answers 410 and it opens no session', async () => {
    const created = await mint('link-revoked', { apps: ['oidc'] })
    const res = await revoke('link-revoked', created.json.link.id)
    expect(res.status).toBe(200)
    expect(res.json.status).toBe('revoked')
    expect((await revoke('link-revoked', created.json.link.id)).json.status).toBe('revoked')
    const page = await http(created.json.url, { jar: new CookieJar() })
    expect(page.status).toBe(410)
    expect(page.text).toContain('revoked')
    const sessions = await db().selectFrom('connect_sessions').select('id').where('link_id', '=', created.json.link.id).execute()
    expect(sessions).toEqual([])
  })

  it('revoking a link mid-flow ends that flow: the provider callback stores no connection', async () => {
    const created = await mint('link-midflow', { apps: ['oidc'] })
    const jar = new CookieJar()
    const toProvider = await openLink(created.json.url, jar)
    expect(toProvider.status).toBe(303)
    const revoked = await revoke('link-midflow', created.json.link.id)
    expect(revoked.json).toMatchObject({ status: 'revoked', outcome: { status: 'error', error: 'revoked' } })
    const callback = await authorizeAtProvider(toProvider.location as string, {
      username: 'link-midflow',
      stopAt: `${s.t.url}/oauth2/callback/oidc`,
    })
    const done = await http(callback.href, { jar })
    expect(done.text).toContain('revoked')
    const conns = await db()
      .selectFrom('connections as c')
      .innerJoin('end_users as u', 'u.id', 'c.end_user_id')
      .select('c.id')
      .where('u.external_id', '=', 'link-midflow')
      .execute()
    expect(conns).toEqual([])
    const failed = (await db().selectFrom('webhook_events').select('payload').where('type', '=', 'connection.failed').execute())
      .map((e) => JSON.parse(e.payload))
      .find((p) => p.data.connect_link_id === created.json.link.id)
    expect(failed).toMatchObject({ data: { error: 'revoked', session_id: revoked.json.session_id } })
  })

  it('answers PB_ERR_LINK_USED when revoking a link whose flow ended', async () => {
    const created = await mint('link-used', { apps: ['oidc'], redirect_uri: s.partnerPage.returnUrl })
    const jar = new CookieJar()
    const toProvider = await openLink(created.json.url, jar)
    const callback = await authorizeAtProvider(toProvider.location as string, {
      username: 'link-used',
      stopAt: `${s.t.url}/oauth2/callback/oidc`,
    })
    await http(callback.href, { jar })
    const res = await revoke('link-used', created.json.link.id)
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('PB_ERR_LINK_USED')
    expect((await getLink('link-used', created.json.link.id)).json.status).toBe('used')
  })

  it("answers another user's or another partner's link as 404, and unknown tokens as not found", async () => {
    const created = await mint('link-owner', {})
    for (const res of [await getLink('link-other', created.json.link.id), await revoke('link-other', created.json.link.id)]) {
      expect(res.status).toBe(404)
      expect(res.json.error.code).toBe('PB_ERR_NOT_FOUND')
    }
    const list = await call(`${s.t.url}/v1/connect/links`, { token: await accessToken('link-other') })
    expect(list.json.data).toEqual([])
    expect((await getLink('link-owner', created.json.link.id)).json.status).toBe('pending')

    // The same user id at another partner is another end user.
    const other = await s.t.addPartner({ id: `links-other-${target.name}` })
    const theirs = await call(`${s.t.url}/v1/connect/links/${created.json.link.id}`, {
      token: await accessToken('link-owner', undefined, other),
    })
    expect(theirs.status).toBe(404)
    expect(theirs.json.error.code).toBe('PB_ERR_NOT_FOUND')
    for (const bad of ['pbcl_nope', 'pbsc_x', '']) {
      const res = await http(`${s.t.url}/link?token=${bad}`)
      expect(res.status).toBe(404)
    }
  })

  it('needs the connect scope', async () => {
    const token = await accessToken('link-scope', 'connections:read')
    const res = await call(`${s.t.url}/v1/connect/links`, { method: 'POST', token, body: {} })
    expect(res.status).toBe(403)
    expect(res.json.error.code).toBe('PB_ERR_INSUFFICIENT_SCOPE')
  })

  it('pages the listing with a cursor', async () => {
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await mint('link-pages', {})).json.link.id)
    const token = await accessToken('link-pages')
    const first = await call(`${s.t.url}/v1/connect/links?limit=2&status=pending`, { token })
    expect(first.json.data).toHaveLength(2)
    const second = await call(`${s.t.url}/v1/connect/links?limit=2&status=pending&cursor=${first.json.next_cursor}`, { token })
    expect([...first.json.data, ...second.json.data].map((l: { id: string }) => l.id).sort()).toEqual([...ids].sort())
    expect(second.json.next_cursor).toBeNull()
  })
})

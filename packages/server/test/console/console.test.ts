import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { type ConsoleSetup, startConsoleSetup } from './console-setup.js'

// The console's sign-in and forms over plain HTTP (docs/console.md): sessions in the database,
// CSRF tokens, Origin checks, the sign-in limit, operator keys, and one partner's view only.

const run = promisify(execFile)

/** A browser-like client: keeps cookies, follows nothing. */
class Client {
  cookies = new Map<string, string>()
  constructor(private readonly base: string) {}
  async request(path: string, init: { method?: string; form?: Record<string, string>; origin?: string } = {}) {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded'
    if (init.origin) headers.origin = init.origin
    const res = await fetch(`${this.base}${path}`, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
      redirect: 'manual',
    })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, ...value] = (pair as string).split('=')
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name as string)
      else this.cookies.set(name as string, value.join('='))
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), headers: res.headers }
  }
  /** The CSRF token of the page's first form. */
  static csrf(page: string): string {
    const match = /name="csrf" value="([^"]+)"/.exec(page)
    if (!match) throw new Error('no csrf field on the page')
    return match[1] as string
  }
  async signIn(form: Record<string, string>) {
    const login = await this.request('/console/login')
    return this.request('/console/login', { form: { csrf: Client.csrf(login.text), ...form } })
  }
}

describe.each(databaseTargets)('operator console over HTTP ($name)', (target) => {
  let s: ConsoleSetup
  beforeAll(async () => {
    s = await startConsoleSetup(target, { 'console.loginAttemptsPerWindow': 20 })
  })
  afterAll(async () => {
    await s?.close()
  })
  const partnerLogin = () => ({ client_id: s.t.partner.clientId, client_secret: s.t.partner.clientSecret })

  it('sends a signed-out browser to the sign-in page, and signs in with the client credentials', async () => {
    const c = new Client(s.t.url)
    const first = await c.request('/console/connections')
    expect(first.status).toBe(303)
    expect(first.location).toBe('/console/login')
    const signedIn = await c.signIn(partnerLogin())
    expect(signedIn.status).toBe(303)
    expect(signedIn.location).toBe('/console')
    const cookie = signedIn.headers.getSetCookie().find((l) => l.startsWith('pb_console='))
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Strict/i)
    expect(cookie).toMatch(/Path=\/console/i)
    const overview = await c.request('/console')
    expect(overview.status).toBe(200)
    expect(overview.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(overview.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(overview.text).toContain('Need reauthorization')
    // Only the cookie's hash is stored.
    const rows = await s.t.server.services.database.db.selectFrom('console_sessions').select('id_hash').execute()
    expect(rows.some((r) => r.id_hash.includes(c.cookies.get('pb_console') as string))).toBe(false)
  })

  it('refuses forms without the session token or from another origin, and changes nothing', async () => {
    const c = new Client(s.t.url)
    await c.signIn(partnerLogin())
    const detail = await c.request(`/console/connections/${s.connections.spare}`)
    const csrf = Client.csrf(detail.text)
    const noToken = await c.request(`/console/connections/${s.connections.spare}/delete`, { form: {} })
    expect(noToken.status).toBe(403)
    const wrong = await c.request(`/console/connections/${s.connections.spare}/delete`, { form: { csrf: 'x'.repeat(43) } })
    expect(wrong.status).toBe(403)
    const foreign = await c.request(`/console/connections/${s.connections.spare}/delete`, {
      form: { csrf },
      origin: 'https://evil.example',
    })
    expect(foreign.status).toBe(403)
    expect((await c.request(`/console/connections/${s.connections.spare}`)).status).toBe(200)
    // The sign-in form needs its own token too (no login CSRF).
    const bare = new Client(s.t.url)
    expect((await bare.request('/console/login', { form: partnerLogin() })).status).toBe(403)
  })

  it("shows one partner's data only: another partner's ids are 404s", async () => {
    const other = await s.t.addPartner({ id: 'globex' })
    const c = new Client(s.t.url)
    await c.signIn({ client_id: other.clientId, client_secret: other.clientSecret })
    expect((await c.request(`/console/connections/${s.connections.ok}`)).status).toBe(404)
    expect((await c.request(`/console/runs/${s.runs.failed}`)).status).toBe(404)
    const csrf = Client.csrf((await c.request('/console')).text)
    expect((await c.request(`/console/connections/${s.connections.ok}/delete`, { form: { csrf } })).status).toBe(404)
    expect((await c.request(`/console/runs/${s.runs.failed}/retry`, { form: { csrf } })).status).toBe(404)
    const list = await c.request('/console/connections')
    expect(list.text).not.toContain(s.connections.ok)
  })

  it('an operator key made in-process: its deletes are audited as the operator', async () => {
    const { id, key } = await s.t.server.services.consoleAuth.createKey(s.t.partner.id, 'Support')
    const c = new Client(s.t.url)
    expect((await c.signIn({ operator_key: key })).status).toBe(303)
    const csrf = Client.csrf((await c.request(`/console/connections/${s.connections.spare}`)).text)
    const deleted = await c.request(`/console/connections/${s.connections.spare}/delete`, { form: { csrf } })
    expect(deleted.status).toBe(200)
    const audit = await s.t.server.services.audit.list(s.t.partner.id, s.connections.spare, { limit: 10 })
    expect(audit.data[0]).toMatchObject({ action: 'deleted', actor: { type: 'operator', id } })
    expect((await c.request(`/console/connections/${s.connections.spare}`)).status).toBe(404)
  })

  it('signing out ends the session everywhere', async () => {
    const c = new Client(s.t.url)
    await c.signIn(partnerLogin())
    const stolen = c.cookies.get('pb_console') as string
    const csrf = Client.csrf((await c.request('/console')).text)
    expect((await c.request('/console/logout', { form: { csrf } })).status).toBe(303)
    const replay = new Client(s.t.url)
    replay.cookies.set('pb_console', stolen)
    expect((await replay.request('/console')).status).toBe(303)
  })

  it('wrong credentials: 401 with the form again; past the limit: 429 with Retry-After, even for the right ones', async () => {
    const c = new Client(s.t.url)
    const wrong = await c.signIn({ client_id: s.t.partner.clientId, client_secret: 'wrong' })
    expect(wrong.status).toBe(401)
    expect(wrong.text).toContain('were not accepted')
    expect(wrong.text).not.toContain('wrong"')
    // Every attempt counts (this suite's sign-ins too), 20 a window here.
    let last = wrong
    for (let i = 0; i < 25 && last.status !== 429; i++) last = await c.signIn({ client_id: 'nobody', client_secret: 'x' })
    expect(last.status).toBe(429)
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await c.signIn(partnerLogin())).status).toBe(429)
  })
})

describe('patchbay operators (CLI)', () => {
  let t: TestServer
  beforeAll(async () => {
    // A SQLite file the CLI process can open beside the server.
    t = await startTestServer({ target: databaseTargets[0] as (typeof databaseTargets)[number], persistent: true })
  })
  afterAll(async () => {
    await t?.close()
  })

  it('adds a key (printed once), lists it, signs in with it, revokes it (ending its sessions)', { timeout: 60_000 }, async () => {
    const cli = new URL('../../dist/cli.js', import.meta.url).pathname
    const { DATABASE_URL: _db, ...rest } = process.env
    const env = { ...rest, PATCHBAY_DATA_DIR: t.dataDir, PATCHBAY_LOG_LEVEL: 'warn', PATCHBAY_DEV: 'true' }
    const patchbay = async (...args: string[]) => JSON.parse((await run(process.execPath, [cli, ...args], { env })).stdout)
    const made = (await patchbay('operators', 'add', t.partner.id, 'Ops team')) as { id: string; key: string }
    expect(made.key).toMatch(/^pbop_[A-Za-z0-9_-]{43}$/)
    const listed = (await patchbay('operators', 'list', t.partner.id)) as { operator_keys: Record<string, unknown>[] }
    expect(listed.operator_keys).toEqual([{ id: made.id, name: 'Ops team', created_at: expect.any(String), revoked_at: null }])
    expect(JSON.stringify(listed)).not.toContain(made.key)
    const c = new Client(t.url)
    expect((await c.signIn({ operator_key: made.key })).status).toBe(303)
    expect((await c.request('/console')).status).toBe(200)
    await patchbay('operators', 'revoke', t.partner.id, made.id)
    expect((await c.request('/console')).status).toBe(303)
    expect((await new Client(t.url).signIn({ operator_key: made.key })).status).toBe(401)
    await expect(run(process.execPath, [cli, 'operators', 'add', 'nobody', 'x'], { env })).rejects.toMatchObject({ code: 2 })
  })
})

/**
 * Plays the browser over plain HTTP for the Connect UI security suites: `fetch` with
 * `redirect: 'manual'`, a tiny cookie jar per site, the OAuth provider's login and consent pages
 * answered by form posts, and a few database probes ("nothing was stored").
 */
import { readFileSync } from 'node:fs'
import { appsDir } from '@patchbay/catalog'
import type { Kysely } from 'kysely'
import { parse as parseYaml } from 'yaml'
import type { Database } from '../../src/db/schema.js'
import type { TestServer } from './test-server.js'
import { exchangeToken, SESSION_TYPE } from './token-request.js'

/** Cookies of one site, by name (paths and expiry ignored but deletion honoured: enough for these flows). */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** Keeps every `Set-Cookie` of a response. */
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (value === '' || /;\s*max-age=0\b/i.test(line) || /;\s*expires=[^;]*1970/i.test(line)) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value)
  }

  names(): string[] {
    return [...this.#cookies.keys()]
  }

  /** A copy holding the same cookies (a second browser that stole them, or the same one later). */
  clone(): CookieJar {
    const copy = new CookieJar()
    for (const [name, value] of this.#cookies) copy.set(name, value)
    return copy
  }

  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

export interface HttpAnswer {
  status: number
  headers: Headers
  /** The Location header, or null. */
  location: string | null
  text: string
}

export interface HttpRequest {
  method?: string
  jar?: CookieJar
  headers?: Record<string, string>
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>
  /** Sent as application/json. */
  json?: unknown
}

/** One request, no redirect followed; the jar (if any) sends and keeps cookies. */
export async function http(url: string, req: HttpRequest = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...req.headers }
  const cookie = req.jar?.header()
  if (cookie) headers.cookie = cookie
  let body: string | undefined
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(req.form).toString()
  } else if (req.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(req.json)
  }
  const res = await fetch(url, { method: req.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' })
  req.jar?.store(res)
  return { status: res.status, headers: res.headers, location: res.headers.get('location'), text: await res.text() }
}

/** Headers a browser sends with a form post from a Connect UI page (same origin, Referrer-Policy no-referrer). */
export const SAME_ORIGIN_POST = { 'sec-fetch-site': 'same-origin', origin: 'null' } as const

/** Exchanges a JWT for `claims` (default sub alice, tenant org-1) for a connect session code. */
export async function mintSession(
  t: Pick<TestServer, 'url' | 'sign'> & { partner: { clientId: string; clientSecret: string } },
  params: Record<string, string> = {},
  claims: Record<string, unknown> = {},
): Promise<{ code: string; sessionId: string }> {
  const body = await exchangeToken(t, { sub: 'alice', ...claims }, { requested_token_type: SESSION_TYPE, ...params })
  return { code: body.access_token, sessionId: body.session_id }
}

/** `pb_s_<session>`: the HttpOnly cookie binding a redeemed session to its browser. */
export function sessionCookie(sessionId: string): string {
  return `pb_s_${sessionId}`
}

/**
 * Opens the Connect UI like a browser: GET `path` (e.g. `/to/oidc?token=…`), which must answer 303
 * with the session cookie, then GET the page it points to. Returns both answers.
 */
export async function openConnect(baseUrl: string, path: string, jar: CookieJar): Promise<{ opened: HttpAnswer; page: HttpAnswer }> {
  const opened = await http(`${baseUrl}${path}`, { jar })
  if (opened.status !== 303 || !opened.location) throw new Error(`${path} answered ${opened.status}: ${opened.text.slice(0, 300)}`)
  const page = await http(new URL(opened.location, baseUrl).href, { jar })
  return { opened, page }
}

/**
 * Answers the test provider's (oidc-provider) login and consent pages with form posts, following its
 * redirects by hand, until it sends the browser to a URL starting with `stopAt` (Patchbay's callback).
 */
export async function authorizeAtProvider(
  authorizeUrl: string,
  opts: { username: string; decision?: 'allow' | 'deny'; stopAt: string; jar?: CookieJar },
): Promise<URL> {
  const jar = opts.jar ?? new CookieJar()
  let url = authorizeUrl
  for (let hop = 0; hop < 15; hop++) {
    if (url.startsWith(opts.stopAt)) return new URL(url)
    const res = await http(url, { jar })
    if (res.status >= 300 && res.status < 400 && res.location) {
      url = new URL(res.location, url).href
      continue
    }
    if (res.status !== 200) throw new Error(`the provider answered ${res.status} at ${url}: ${res.text.slice(0, 300)}`)
    const base = /^(.*\/interaction\/[^/?#]+)/.exec(url)?.[1]
    if (!base) throw new Error(`unexpected provider page at ${url}`)
    let next: HttpAnswer
    if (res.text.includes('id="provider-login"')) {
      next = await http(`${base}/login`, { jar, form: { username: opts.username } })
    } else if (res.text.includes('id="provider-consent"')) {
      next = await http(`${base}/${opts.decision ?? 'allow'}`, { jar, form: {} })
    } else {
      throw new Error(`unexpected provider page at ${url}: ${res.text.slice(0, 300)}`)
    }
    if (!next.location) throw new Error(`the provider answered ${next.status} without a redirect: ${next.text.slice(0, 300)}`)
    url = new URL(next.location, url).href
  }
  throw new Error('too many redirects at the provider')
}

/** The catalog's Stripe entry re-pointed at `baseUrl` (a local fake) under another key. */
export function stripeLikeApp(key: string, baseUrl: string, allowedHosts: string[]): Record<string, unknown> {
  const stripe = parseYaml(readFileSync(`${appsDir}/stripe/app.yaml`, 'utf8')) as Record<string, unknown>
  return { ...stripe, key, name: `Stripe (${key})`, api: { base_url: baseUrl, allowed_hosts: allowedHosts } }
}

/** The catalog's Trello entry, OAuth 1.0a only, with every URL re-pointed at a local fake provider. */
export function trelloLikeApp(
  key: string,
  urls: { requestToken: string; authorize: string; accessToken: string; apiBase: string },
): Record<string, unknown> {
  const trello = parseYaml(readFileSync(`${appsDir}/trello/app.yaml`, 'utf8')) as { auth: Array<Record<string, unknown>> }
  const oauth1 = trello.auth.find((o) => o.type === 'oauth1') as Record<string, unknown>
  return {
    ...trello,
    key,
    name: `Trello (${key})`,
    api: { base_url: urls.apiBase, allowed_hosts: ['127.0.0.1'] },
    auth: [
      {
        ...oauth1,
        request_token_url: urls.requestToken,
        authorization_url: urls.authorize,
        access_token_url: urls.accessToken,
      },
    ],
  }
}

export type Db = Kysely<Database>

export async function sessionRow(db: Db, sessionId: string) {
  return db.selectFrom('connect_sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow()
}

export async function flowRows(db: Db, sessionId: string) {
  return db.selectFrom('oauth_flows').selectAll().where('session_id', '=', sessionId).execute()
}

/** The connections of one end user (by the partner's user id), oldest first. */
export async function connectionsOf(db: Db, sub: string) {
  return db
    .selectFrom('connections as c')
    .innerJoin('end_users as u', 'u.id', 'c.end_user_id')
    .selectAll('c')
    .where('u.external_id', '=', sub)
    .orderBy('c.created_at')
    .execute()
}

export async function countRows(db: Db, table: 'connections' | 'oauth_flows' | 'connect_sessions'): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

const TABLES = [
  'partners',
  'end_users',
  'access_tokens',
  'connect_sessions',
  'used_jtis',
  'partner_apps',
  'connections',
  'oauth_flows',
] as const

/** Every row of every table, as one JSON text: for "this value is stored nowhere". */
export async function dumpDatabase(db: Db): Promise<string> {
  const out: Record<string, unknown[]> = {}
  for (const table of TABLES) out[table] = await db.selectFrom(table).selectAll().execute()
  return JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

/** The page's CSP nonce (from the header) and the directives by name. */
export function parseCsp(header: string | null): { nonce: string | undefined; directives: Map<string, string[]> } {
  const directives = new Map<string, string[]>()
  for (const part of (header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/)
    if (name) directives.set(name, values)
  }
  const nonce = /'nonce-([^']+)'/.exec(header ?? '')?.[1]
  return { nonce, directives }
}

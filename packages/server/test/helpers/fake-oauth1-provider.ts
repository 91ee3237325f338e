/**
 * A local OAuth 1.0a (RFC 5849) provider on 127.0.0.1 shaped like Trello's, standing in for a third-party app in
 * tests of the OAuth 1.0a client and the Connect flow.
 *
 * Trello's public docs (trello.com/docs/gettingstarted/oauth.html, developer.atlassian.com … /authorization/):
 * request token at /1/OAuthGetRequestToken, user authorization at /1/OAuthAuthorizeToken (taking `oauth_token`
 * plus `name`, `scope` = read,write,account and `expiration` = 1hour,1day,30days,never), access token at
 * /1/OAuthGetAccessToken, HMAC-SHA1 signatures, and /1/members/me as the "who am I" call. Its authorization page
 * posts the Allow / Deny choice (with `requestKey` and a `signature`) to /1/token/approve. Its documented flow
 * reads `oauth_token` + `oauth_verifier` from the callback.
 *
 * What this fake does:
 * - verifies every signed request: consumer key, HMAC-SHA1 or HMAC-SHA256 signature recomputed with oauth-1.0a over
 *   the header's protocol parameters, the query and a form body; timestamps within ±`timestampSkewSeconds`; nonces
 *   single use. Failures answer 401 (400 for malformed requests) with an `oauth_problem=…` body (OAuth Problem
 *   Reporting names: signature_invalid, timestamp_refused, nonce_used, consumer_key_unknown, token_rejected, …);
 * - request tokens answer `oauth_callback_confirmed=true` (unless `omitCallbackConfirmed`), expire after
 *   `requestTokenTtlSeconds`, and are single use at the access token endpoint (any signed attempt burns them);
 * - an HTML authorization page with Allow / Deny buttons (see `selectors`): Allow redirects to the oauth_callback with
 *   `oauth_token` and `oauth_verifier`; Deny redirects there without a verifier (`denyStyle: 'omit-verifier'`,
 *   default, RFC 5849 practice) or with `denied=<token>` (`denyStyle: 'denied-param'`, Twitter's way);
 * - GET /1/members/me, signed with an access token, answers `{ id, username, email }`.
 *
 * `requests` logs every request (method, path, status, problem) and never a secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import OAuth from 'oauth-1.0a'

export type FakeSignatureMethod = 'HMAC-SHA1' | 'HMAC-SHA256'

export interface FakeOAuth1Account {
  id: string
  username: string
  email: string
}

/** Behaviour that can also be changed while running (`set`). */
export interface FakeOAuth1Behaviour {
  /** Answer request tokens without `oauth_callback_confirmed` (an OAuth 1.0 provider). Default false. */
  omitCallbackConfirmed: boolean
  /** How Deny sends the user back. Default 'omit-verifier'. */
  denyStyle: 'omit-verifier' | 'denied-param'
  /** Extra parameters of the access token response (e.g. { user_id, screen_name }). Default none, like Trello. */
  accessTokenExtras: Record<string, string>
}

export interface FakeOAuth1ProviderOptions extends Partial<FakeOAuth1Behaviour> {
  /** Default: generated key and secret. */
  consumer?: { key?: string; secret?: string }
  /** The account every authorization grants access to. */
  account?: FakeOAuth1Account
  /** Accepted signature methods. Default both. */
  signatureMethods?: FakeSignatureMethod[]
  /** Accepted clock difference for oauth_timestamp. Default 300. */
  timestampSkewSeconds?: number
  /** Request token lifetime. Default 600. */
  requestTokenTtlSeconds?: number
  /** Current time in ms. Default Date.now. */
  now?: () => number
}

export interface FakeOAuth1Request {
  method: string
  /** Path without the query string. */
  path: string
  status: number
  /** The oauth_problem of a refused request. */
  problem: string | undefined
  /** The oauth_signature_method of a signed request. */
  signatureMethod: string | undefined
}

export interface FakeOAuth1Urls {
  requestToken: string
  authorize: string
  accessToken: string
  /** GET, signed with an access token: `{ id, username, email }`. */
  me: string
}

/** What browser tests click on the authorization page. */
export const fakeOAuth1Selectors = {
  form: 'form#oauth1-authorize',
  /** The application name (Trello's `name` parameter). */
  appName: '#oauth1-app-name',
  /** One `li` per requested scope (Trello's comma-separated `scope`). */
  scopes: 'ul#oauth1-scopes li',
  /** Trello's `expiration` parameter. */
  expiration: '#oauth1-expiration',
  allow: 'button#oauth1-allow',
  deny: 'button#oauth1-deny',
  /** Heading of the error page (unknown, expired or already used request token). */
  error: 'h1#oauth1-error',
} as const

export interface FakeOAuth1Provider {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly baseUrl: string
  readonly urls: FakeOAuth1Urls
  readonly consumer: { key: string; secret: string }
  readonly account: FakeOAuth1Account
  /** Every request, in order, without secrets. */
  readonly requests: FakeOAuth1Request[]
  readonly selectors: typeof fakeOAuth1Selectors
  /** Changes behaviour for the following requests. */
  set(behaviour: Partial<FakeOAuth1Behaviour>): void
  /** Invalidates every access token issued so far (the user revoked the app). */
  revokeAccessTokens(): void
  close(): Promise<void>
}

interface RequestToken {
  secret: string
  consumerKey: string
  callback: string
  createdAt: number
  state: 'issued' | 'authorized' | 'denied'
  verifier: string | undefined
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly problem: string,
  ) {
    super(problem)
  }
}

const PATHS = {
  requestToken: '/1/OAuthGetRequestToken',
  authorize: '/1/OAuthAuthorizeToken',
  approve: '/1/token/approve',
  accessToken: '/1/OAuthGetAccessToken',
  me: '/1/members/me',
}
const MAX_BODY = 64 * 1024
const digests: Record<FakeSignatureMethod, string> = { 'HMAC-SHA1': 'sha1', 'HMAC-SHA256': 'sha256' }

const random = (bytes = 24) => randomBytes(bytes).toString('hex')

export async function startFakeOAuth1Provider(options: FakeOAuth1ProviderOptions = {}): Promise<FakeOAuth1Provider> {
  const consumer = { key: options.consumer?.key ?? `ck_${random(8)}`, secret: options.consumer?.secret ?? random() }
  const account = options.account ?? { id: '5f0c1d2e3a4b5c6d7e8f9a0b', username: 'alice', email: 'alice@example.test' }
  const methods = new Set<string>(options.signatureMethods ?? ['HMAC-SHA1', 'HMAC-SHA256'])
  const skew = options.timestampSkewSeconds ?? 300
  const requestTtl = (options.requestTokenTtlSeconds ?? 600) * 1000
  const now = options.now ?? Date.now
  const behaviour: FakeOAuth1Behaviour = {
    omitCallbackConfirmed: options.omitCallbackConfirmed ?? false,
    denyStyle: options.denyStyle ?? 'omit-verifier',
    accessTokenExtras: options.accessTokenExtras ?? {},
  }
  /** Signs the approval form's hidden fields (CSRF protection of the Allow / Deny post). */
  const formKey = randomBytes(32)
  const requestTokens = new Map<string, RequestToken>()
  const usedRequestTokens = new Set<string>()
  const accessTokens = new Map<string, { secret: string; consumerKey: string }>()
  const nonces = new Set<string>()
  const requests: FakeOAuth1Request[] = []

  const formSignature = (requestKey: string) => createHmac('sha256', formKey).update(requestKey).digest('base64url')

  /** Checks a signed request; `tokenSecretFor` returns the secret of the oauth_token it carries (undefined = unknown). */
  function verify(
    signed: SignedRequest,
    tokenSecretFor: ((token: string) => string | undefined) | undefined,
  ): { oauth: Map<string, string>; token: string | undefined } {
    const { oauth } = signed
    const method = oauth.get('oauth_signature_method')
    const signature = oauth.get('oauth_signature')
    const timestamp = oauth.get('oauth_timestamp')
    const nonce = oauth.get('oauth_nonce')
    if (!oauth.get('oauth_consumer_key') || !method || !signature || !timestamp || !nonce) throw new Refusal(400, 'parameter_absent')
    if (oauth.get('oauth_consumer_key') !== consumer.key) throw new Refusal(401, 'consumer_key_unknown')
    if (!methods.has(method)) throw new Refusal(400, 'signature_method_rejected')
    if (oauth.has('oauth_version') && oauth.get('oauth_version') !== '1.0') throw new Refusal(400, 'version_rejected')
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Number(timestamp) - Math.floor(now() / 1000)) > skew) {
      throw new Refusal(401, 'timestamp_refused')
    }
    const token = oauth.get('oauth_token')
    let tokenSecret = ''
    if (tokenSecretFor) {
      if (!token) throw new Refusal(400, 'parameter_absent')
      const found = tokenSecretFor(token)
      if (found === undefined) throw new Refusal(401, usedRequestTokens.has(token) ? 'token_used' : 'token_rejected')
      tokenSecret = found
    } else if (token !== undefined) {
      throw new Refusal(400, 'parameter_rejected')
    }

    const signer = new OAuth({
      consumer,
      signature_method: method,
      hash_function: (base, key) =>
        createHmac(digests[method as FakeSignatureMethod], key)
          .update(base)
          .digest('base64'),
    })
    const protocol = Object.fromEntries([...oauth].filter(([name]) => name !== 'oauth_signature'))
    const expected = signer.getSignature(
      { url: signed.baseUrl, method: signed.method, data: signed.params },
      tokenSecret,
      protocol as unknown as OAuth.Data,
    )
    const a = Buffer.from(expected)
    const b = Buffer.from(signature)
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new Refusal(401, 'signature_invalid')

    const nonceKey = `${consumer.key}:${token ?? ''}:${timestamp}:${nonce}`
    if (nonces.has(nonceKey)) throw new Refusal(401, 'nonce_used')
    nonces.add(nonceKey)
    return { oauth, token }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname}`
    switch (route) {
      case `POST ${PATHS.requestToken}`:
      case `GET ${PATHS.requestToken}`: {
        const signed = await readSigned(req, url)
        verify(signed, undefined)
        const callback = signed.oauth.get('oauth_callback')
        if (!callback) throw new Refusal(400, 'parameter_absent')
        if (!isHttpUrl(callback)) throw new Refusal(400, 'parameter_rejected') // Trello no longer accepts "oob".
        const token = random(16)
        const secret = random()
        requestTokens.set(token, { secret, consumerKey: consumer.key, callback, createdAt: now(), state: 'issued', verifier: undefined })
        const body = new URLSearchParams({ oauth_token: token, oauth_token_secret: secret })
        if (!behaviour.omitCallbackConfirmed) body.set('oauth_callback_confirmed', 'true')
        return sendForm(res, 200, body)
      }
      case `GET ${PATHS.authorize}`: {
        const token = url.searchParams.get('oauth_token') ?? ''
        const entry = liveRequestToken(token)
        if (entry?.state !== 'issued') return sendErrorPage(res, 400, 'Invalid or expired request token')
        return sendHtml(res, 200, authorizePage(token, url.searchParams, formSignature(token)))
      }
      case `POST ${PATHS.approve}`: {
        const form = new URLSearchParams(await readBody(req))
        const token = form.get('requestKey') ?? ''
        const signature = form.get('signature') ?? ''
        const entry = liveRequestToken(token)
        const expected = Buffer.from(formSignature(token))
        if (entry?.state !== 'issued') return sendErrorPage(res, 400, 'Invalid or expired request token')
        if (expected.length !== Buffer.byteLength(signature) || !timingSafeEqual(expected, Buffer.from(signature))) {
          return sendErrorPage(res, 403, 'Invalid form signature')
        }
        const target = new URL(entry.callback)
        if (form.has('approve')) {
          entry.state = 'authorized'
          entry.verifier = random(16)
          target.searchParams.set('oauth_token', token)
          target.searchParams.set('oauth_verifier', entry.verifier)
        } else {
          entry.state = 'denied'
          if (behaviour.denyStyle === 'denied-param') target.searchParams.set('denied', token)
          else target.searchParams.set('oauth_token', token)
        }
        res.writeHead(302, { Location: target.href, 'Cache-Control': 'no-store' })
        res.end()
        return
      }
      case `POST ${PATHS.accessToken}`:
      case `GET ${PATHS.accessToken}`: {
        const signed = await readSigned(req, url)
        const { oauth, token } = verify(signed, (t) => liveRequestToken(t)?.secret)
        const entry = requestTokens.get(token as string) as RequestToken
        // Single use: any signed attempt burns the request token, so a verifier cannot be guessed twice.
        requestTokens.delete(token as string)
        usedRequestTokens.add(token as string)
        if (entry.state !== 'authorized' || !entry.verifier) throw new Refusal(401, 'permission_denied')
        const verifier = oauth.get('oauth_verifier') ?? ''
        const a = Buffer.from(entry.verifier)
        const b = Buffer.from(verifier)
        if (a.length !== b.length || !timingSafeEqual(a, b)) throw new Refusal(401, 'verifier_invalid')
        const accessToken = random(32)
        const secret = random()
        accessTokens.set(accessToken, { secret, consumerKey: entry.consumerKey })
        const body = new URLSearchParams({ oauth_token: accessToken, oauth_token_secret: secret })
        for (const [name, value] of Object.entries(behaviour.accessTokenExtras)) body.set(name, value)
        return sendForm(res, 200, body)
      }
      case `GET ${PATHS.me}`: {
        const signed = await readSigned(req, url)
        verify(signed, (t) => accessTokens.get(t)?.secret)
        return sendJson(res, 200, account)
      }
      default:
        throw new Refusal(404, 'not_found')
    }
  }

  function liveRequestToken(token: string): RequestToken | undefined {
    const entry = requestTokens.get(token)
    if (entry && now() - entry.createdAt > requestTtl) {
      requestTokens.delete(token)
      return undefined
    }
    return entry
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const log: FakeOAuth1Request = {
      method: req.method ?? '',
      path: url.pathname,
      status: 0,
      problem: undefined,
      signatureMethod: undefined,
    }
    requests.push(log)
    const auth = req.headers.authorization
    if (auth) log.signatureMethod = /oauth_signature_method="([^"]*)"/.exec(auth)?.[1]
    res.on('finish', () => {
      log.status = res.statusCode
    })
    handle(req, res, url).catch((err: unknown) => {
      const refusal = err instanceof Refusal ? err : new Refusal(500, 'internal_error')
      log.problem = refusal.problem
      if (!res.headersSent) sendForm(res, refusal.status, new URLSearchParams({ oauth_problem: refusal.problem }))
      else res.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    baseUrl,
    urls: {
      requestToken: `${baseUrl}${PATHS.requestToken}`,
      authorize: `${baseUrl}${PATHS.authorize}`,
      accessToken: `${baseUrl}${PATHS.accessToken}`,
      me: `${baseUrl}${PATHS.me}`,
    },
    consumer,
    account,
    requests,
    selectors: fakeOAuth1Selectors,
    set(update) {
      Object.assign(behaviour, update)
    },
    revokeAccessTokens() {
      accessTokens.clear()
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}

/**
 * Plays the browser on the authorization page without one: loads it, submits the Allow or Deny button and returns
 * the URL the provider redirects to (the oauth_callback with its parameters).
 */
export async function submitFakeOAuth1Authorization(authorizationUrl: string, decision: 'allow' | 'deny'): Promise<URL> {
  const page = await fetch(authorizationUrl)
  const html = await page.text()
  if (page.status !== 200) throw new Error(`the authorization page answered ${page.status}: ${html}`)
  const action = /<form id="oauth1-authorize" method="post" action="([^"]+)"/.exec(html)?.[1]
  if (!action) throw new Error('no authorization form on the page')
  const form = new URLSearchParams()
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(m[1] as string, m[2] as string)
  if (decision === 'allow') form.set('approve', 'Allow')
  else form.set('deny', 'Deny')
  const answer = await fetch(new URL(action, authorizationUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  })
  const location = answer.headers.get('location')
  if (answer.status !== 302 || !location) throw new Error(`the approval answered ${answer.status}: ${await answer.text()}`)
  return new URL(location)
}

interface SignedRequest {
  method: string
  /** scheme://host[:port]/path as the client addressed it (RFC 5849 §3.4.1.2). */
  baseUrl: string
  /** Protocol parameters from the Authorization header (realm excluded). */
  oauth: Map<string, string>
  /** Query and form body parameters (RFC 5849 §3.4.1.3.1), repeated names as arrays. */
  params: Record<string, string | string[]>
}

async function readSigned(req: IncomingMessage, url: URL): Promise<SignedRequest> {
  const header = req.headers.authorization
  if (!header || !/^OAuth\s/i.test(header)) throw new Refusal(401, 'parameter_absent')
  const oauth = new Map<string, string>()
  for (const part of header.replace(/^OAuth\s+/i, '').split(',')) {
    const m = /^\s*([^=\s]+)="([^"]*)"\s*$/.exec(part)
    if (!m) throw new Refusal(400, 'parameter_rejected')
    const name = decodeURIComponent(m[1] as string)
    if (name === 'realm') continue
    if (!name.startsWith('oauth_') || oauth.has(name)) throw new Refusal(400, 'parameter_rejected')
    oauth.set(name, decodeURIComponent(m[2] as string))
  }
  const params: Record<string, string | string[]> = {}
  const add = (name: string, value: string) => {
    // Protocol parameters are accepted in the header only.
    if (name.startsWith('oauth_')) throw new Refusal(400, 'parameter_rejected')
    const existing = params[name]
    params[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value]
  }
  for (const [name, value] of url.searchParams) add(name, value)
  const body = await readBody(req)
  if (body && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(body)) add(name, value)
  }
  const host = (req.headers.host ?? '').toLowerCase()
  return { method: req.method ?? 'GET', baseUrl: `http://${host}${url.pathname}`, oauth, params }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new Refusal(413, 'body_too_large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

function sendForm(res: ServerResponse, status: number, body: URLSearchParams): void {
  res.writeHead(status, { 'Content-Type': 'application/x-www-form-urlencoded', 'Cache-Control': 'no-store' })
  res.end(body.toString())
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(html)
}

function sendErrorPage(res: ServerResponse, status: number, message: string): void {
  sendHtml(res, status, `<!doctype html><title>Error</title><h1 id="oauth1-error">${escapeHtml(message)}</h1>`)
}

function authorizePage(token: string, query: URLSearchParams, signature: string): string {
  const name = query.get('name') || 'An unknown application'
  const scopes = (query.get('scope') || 'read').split(',').filter(Boolean)
  const expiration = query.get('expiration') || '30days'
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Fake OAuth 1.0a provider</title></head>
<body>
<h1>Let <span id="oauth1-app-name">${escapeHtml(name)}</span> use your account?</h1>
<ul id="oauth1-scopes">${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<p>Access expires: <span id="oauth1-expiration">${escapeHtml(expiration)}</span></p>
<form id="oauth1-authorize" method="post" action="${PATHS.approve}">
<input type="hidden" name="requestKey" value="${escapeHtml(token)}">
<input type="hidden" name="signature" value="${escapeHtml(signature)}">
<button type="submit" id="oauth1-allow" name="approve" value="Allow">Allow</button>
<button type="submit" id="oauth1-deny" name="deny" value="Deny">Deny</button>
</form>
</body></html>`
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => (({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }) as Record<string, string>)[c] as string,
  )
}

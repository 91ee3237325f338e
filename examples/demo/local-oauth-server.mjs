/**
 * A real OAuth 2.0 / OpenID Connect authorization server (oidc-provider v9) on 127.0.0.1, standing in for a
 * third-party app (Slack, Google, ...). The `npm start` demo runs it as "Acme Cloud"; the end-to-end tests run it
 * through packages/server/test/helpers/oauth-provider.ts. Types and option docs: local-oauth-server.d.mts.
 *
 * - confidential clients (client_secret_basic or client_secret_post, both accepted), secrets generated here;
 *   their redirect URIs can be set or changed at any time after start (clients are served by the adapter,
 *   which oidc-provider re-reads on every lookup);
 * - authorization code flow with PKCE S256 required, RFC 9207 `iss` in every authorization response;
 * - refresh tokens on every code exchange, rotated on every use (a refresh token is single use; reusing a
 *   spent one answers `invalid_grant` and, like real providers with reuse detection, revokes the grant);
 * - short access tokens (60 s default, changeable at run time), userinfo returning { sub, email, name };
 * - its own tiny login page (any username signs in) and consent page (Allow / Deny, "Deny" ending in
 *   `access_denied`), see `providerSelectors`;
 * - counters of every token endpoint call by grant_type (`stats`).
 *
 * Everything is kept in memory: a restart forgets every account, grant and token.
 *
 * One file on purpose (over 400 lines): the demo and the tests start it as one stand-in provider, and
 * its configuration reads best in one place next to the behaviours listed above.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { exportJWK, generateKeyPair } from 'jose'

/** What the browser tests click on the provider's pages. */
export const providerSelectors = Object.freeze({
  loginForm: 'form#provider-login',
  username: 'input#provider-username',
  signIn: 'button#provider-sign-in',
  consentForm: 'form#provider-consent',
  consentScopes: 'ul#provider-scopes li',
  allow: 'button#provider-allow',
  deny: 'button#provider-deny',
  errorTitle: 'h1#provider-error',
})

const DEFAULT_CUSTOM_SCOPES = ['api:read', 'api:write']
/** Registered while no redirect URI has been set yet; nothing listens there (port 9 is "discard"). */
const UNSET_REDIRECT_URI = 'http://127.0.0.1:9/redirect-uri-not-set'
const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  revocation: '/revoke',
  jwks: '/jwks',
}

let oidcProviderModule

/**
 * Imports oidc-provider once, muting the "Unsupported runtime" warning it prints at import time on Node 20 (it
 * asks for Node 22; everything used here works on Node 20.19+).
 */
function loadOidcProvider() {
  oidcProviderModule ??= (async () => {
    const warn = console.warn
    console.warn = (...args) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return
      warn.apply(console, args)
    }
    try {
      return await import('oidc-provider')
    } finally {
      console.warn = warn
    }
  })()
  return oidcProviderModule
}

class Client {
  constructor(options) {
    this.clientId = options.clientId ?? `client-${randomUUID().slice(0, 8)}`
    this.clientSecret = options.clientSecret ?? randomBytes(32).toString('base64url')
    this.tokenEndpointAuthMethod = options.tokenEndpointAuthMethod ?? 'client_secret_basic'
    this.grantTypes = options.grantTypes ?? ['authorization_code', 'refresh_token']
    this.uris = [...(options.redirectUris ?? [])]
  }

  get redirectUris() {
    return this.uris
  }

  setRedirectUris(uris) {
    this.uris = [...uris]
  }

  /** Fresh metadata on every lookup: oidc-provider caches adapter clients by a hash of this object. */
  metadata() {
    return {
      client_id: this.clientId,
      client_secret: this.clientSecret,
      redirect_uris: this.uris.length > 0 ? [...this.uris] : [UNSET_REDIRECT_URI],
      response_types: ['code'],
      grant_types: [...this.grantTypes],
      token_endpoint_auth_method: this.tokenEndpointAuthMethod,
    }
  }
}

/** In-memory storage for one provider instance (oidc-provider's own memory adapter is process-global). */
class Store {
  /** key → { payload, expiresAt } */
  entries = new Map()
  /** Session uid → session id, user code → id. */
  index = new Map()
  /** grantId → keys of the tokens and codes issued under it. */
  grants = new Map()

  get(key) {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry.payload
  }
}

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'])

function storeAdapter(store, clients, model) {
  const key = (id) => `${model}:${id}`
  return {
    async upsert(id, payload, expiresIn) {
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY
      store.entries.set(key(id), { payload, expiresAt })
      if (model === 'Session' && payload.uid) store.index.set(`sessionUid:${payload.uid}`, id)
      if (payload.userCode) store.index.set(`userCode:${payload.userCode}`, id)
      if (GRANTABLE.has(model) && payload.grantId) {
        const members = store.grants.get(payload.grantId) ?? new Set()
        members.add(key(id))
        store.grants.set(payload.grantId, members)
      }
    },
    async find(id) {
      if (model === 'Client') return clients.get(id)?.metadata()
      return store.get(key(id))
    },
    async findByUid(uid) {
      const id = store.index.get(`sessionUid:${uid}`)
      return id ? store.get(key(id)) : undefined
    },
    async findByUserCode(userCode) {
      const id = store.index.get(`userCode:${userCode}`)
      return id ? store.get(key(id)) : undefined
    },
    async consume(id) {
      const payload = store.get(key(id))
      if (payload) payload.consumed = Math.floor(Date.now() / 1000)
    },
    async destroy(id) {
      store.entries.delete(key(id))
    },
    async revokeByGrantId(grantId) {
      for (const member of store.grants.get(grantId) ?? []) store.entries.delete(member)
      store.grants.delete(grantId)
    },
  }
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A small stylesheet for branded pages (the demo); unbranded pages (the tests) stay bare. */
function brandStyles(color) {
  return `<meta name="viewport" content="width=device-width, initial-scale=1"><style>
:root{color-scheme:light dark;--b:${color}}
body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:Canvas}
main{width:min(92vw,380px);padding:28px;border:1px solid #8884;border-radius:14px}
.logo{display:inline-grid;place-items:center;width:40px;height:40px;border-radius:10px;background:var(--b);color:#fff;font-weight:700}
h1{font-size:1.3rem;margin:.6em 0}label{display:block;margin:1em 0}
input{display:block;width:100%;box-sizing:border-box;margin-top:.3em;padding:.6em;font:inherit;border:1px solid #888;border-radius:8px}
button{font:inherit;padding:.6em 1.2em;border-radius:8px;border:1px solid var(--b);margin-right:.5em;cursor:pointer}
button[type=submit]:first-of-type{background:var(--b);color:#fff}
ul{padding-left:1.2em}code,.muted{opacity:.75;font-size:.9em}
</style>`
}

async function readForm(req) {
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > 64 * 1024) throw new Error('form too large')
    chunks.push(chunk)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

function authMethodOf(ctx) {
  const authorization = ctx.headers['authorization']
  if (typeof authorization === 'string' && authorization.toLowerCase().startsWith('basic ')) return 'client_secret_basic'
  if (ctx.oidc?.body?.['client_secret'] !== undefined) return 'client_secret_post'
  return 'none'
}

function clientIdOf(ctx) {
  if (ctx.oidc?.client) return ctx.oidc.client.clientId
  const fromBody = ctx.oidc?.body?.['client_id']
  return typeof fromBody === 'string' ? fromBody : undefined
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
}

export async function startOAuthProvider(options = {}) {
  const { Provider: ProviderClass } = await loadOidcProvider()

  const clients = new Map()
  const clientList = []
  const addClient = (clientOptions = {}) => {
    const client = new Client(clientOptions)
    if (clients.has(client.clientId)) throw new Error(`duplicate client_id ${client.clientId}`)
    clients.set(client.clientId, client)
    clientList.push(client)
    return client
  }
  for (const clientOptions of options.clients ?? [{}]) addClient(clientOptions)

  let accessTokenTtl = options.accessTokenTtl ?? 60
  const refreshTokenTtl = options.refreshTokenTtl ?? 24 * 3600
  let tokenDelay = 0
  // Held after the provider has processed the request (tokens issued, refresh token rotated).
  let tokenResponseDelay = 0
  let coop = options.coop
  const rememberConsent = options.rememberConsent ?? true
  const accounts = options.accounts ?? {}
  const customScopes = options.customScopes ?? DEFAULT_CUSTOM_SCOPES
  const brand = options.brand
  const providerName = brand?.name ?? 'the test provider'

  const page = (title, body) =>
    brand
      ? `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · ${escapeHtml(brand.name)}</title>${brandStyles(brand.color ?? '#e4572e')}</head><body><main><span class="logo" aria-hidden="true">${escapeHtml(brand.name.slice(0, 1))}</span>${body}</main></body></html>`
      : `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`

  const stats = {
    token: {},
    tokenCalls: [],
    authorization: 0,
    userinfo: 0,
    revocation: 0,
    reset() {
      for (const grantType of Object.keys(this.token)) delete this.token[grantType]
      this.tokenCalls.length = 0
      this.authorization = 0
      this.userinfo = 0
      this.revocation = 0
    },
  }

  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const signingKey = { ...(await exportJWK(privateKey)), kid: `sig-${randomUUID().slice(0, 8)}`, alg: 'RS256', use: 'sig' }

  const store = new Store()
  const server = createServer()
  await listen(server, options.port ?? 0)
  const issuer = `http://127.0.0.1:${server.address().port}`

  const currentAccessTokenTtl = () => accessTokenTtl
  const configuration = {
    adapter: (model) => storeAdapter(store, clients, model),
    clients: [],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: ROUTES,
    scopes: ['openid', 'offline_access', 'email', 'profile', ...customScopes],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, sub) {
      const known = accounts[sub]
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: known?.email ?? (sub.includes('@') ? sub : `${sub}@example.test`),
          email_verified: true,
          name: known?.name ?? sub,
        }),
      }
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
    },
    pkce: { required: () => true },
    // Refresh tokens for every code exchange by a client allowed the refresh_token grant. The default needs the
    // offline_access scope, which oidc-provider drops unless the request also says prompt=consent (OIDC Core 11).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: () => false,
    loadExistingGrant: async (ctx) => {
      const grantId =
        ctx.oidc.result?.consent?.grantId ?? (rememberConsent ? ctx.oidc.session?.grantIdFor(ctx.oidc.client.clientId) : undefined)
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined
    },
    ttl: {
      AccessToken: currentAccessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: refreshTokenTtl,
      Grant: Math.max(refreshTokenTtl, 3600),
      Interaction: 600,
      Session: 3600,
      ClientCredentials: 600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    clientBasedCORS: () => false,
    renderError: (ctx, out) => {
      ctx.type = 'html'
      ctx.body = page(
        'Error',
        `<h1 id="provider-error">${escapeHtml(out['error'] ?? 'error')}</h1><p id="provider-error-description">${escapeHtml(out['error_description'] ?? '')}</p>`,
      )
    },
  }
  const provider = new ProviderClass(issuer, configuration)

  const interactionPages = async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(?:\/(login|allow|deny))?$/.exec(ctx.path)
    if (!match) return next()
    const action = match[2]
    ctx.set('Cache-Control', 'no-store')
    let details
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res)
    } catch (err) {
      ctx.status = 400
      ctx.type = 'html'
      ctx.body = page('Error', `<h1 id="provider-error">invalid_request</h1><p>${escapeHtml(err.message)}</p>`)
      return
    }
    if (details.uid !== match[1]) {
      ctx.status = 400
      ctx.body = 'interaction mismatch'
      return
    }
    const base = `/interaction/${details.uid}`
    const redirect = (location) => {
      ctx.status = 303
      ctx.set('Location', location)
      ctx.type = 'text'
      ctx.body = `Redirecting to ${location}`
    }

    const finish = async (result, merge) => {
      const location = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge })
      redirect(location)
    }

    if (ctx.method === 'GET' && !action) {
      ctx.type = 'html'
      if (details.prompt.name === 'login') {
        ctx.body = page(
          'Sign in',
          `<h1>Sign in to ${escapeHtml(providerName)}</h1>${brand ? '<p class="muted">Local demo: any username works, there is no password.</p>' : ''}
<form id="provider-login" method="post" action="${base}/login">
  <label>Username <input id="provider-username" name="username" autocomplete="off" autofocus></label>
  <button id="provider-sign-in" type="submit">Sign in</button>
</form>`,
        )
      } else if (details.prompt.name === 'consent') {
        const scopes = String(details.params.scope ?? '')
          .split(' ')
          .filter(Boolean)
        const client = brand ? `<code>${escapeHtml(String(details.params.client_id))}</code>` : escapeHtml(String(details.params.client_id))
        ctx.body = page(
          'Authorize',
          `<h1>Authorize ${client}</h1>
<p>Signed in as <span id="provider-account">${escapeHtml(details.session?.accountId ?? '')}</span></p>${brand ? '<p class="muted">It asks for:</p>' : ''}
<ul id="provider-scopes">${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<form id="provider-consent" method="post">
  <button id="provider-allow" type="submit" formaction="${base}/allow">Allow</button>
  <button id="provider-deny" type="submit" formaction="${base}/deny">Deny</button>
</form>`,
        )
      } else {
        ctx.status = 501
        ctx.body = page('Error', `<h1 id="provider-error">unsupported prompt ${escapeHtml(details.prompt.name)}</h1>`)
      }
      return
    }

    if (ctx.method !== 'POST' || !action) {
      ctx.status = 405
      return
    }
    const form = await readForm(ctx.req)
    if (action === 'login') {
      const username = (form.get('username') ?? '').trim()
      if (details.prompt.name !== 'login' || !username) {
        redirect(base)
        return
      }
      await finish({ login: { accountId: username } }, false)
      return
    }
    if (action === 'deny') {
      await finish({ error: 'access_denied', error_description: 'The user denied the authorization request' }, false)
      return
    }
    // allow
    if (details.prompt.name !== 'consent' || !details.session) {
      redirect(base)
      return
    }
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined
    const grant = existing ?? new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) })
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '))
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims)
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '))
    await finish({ consent: { grantId: await grant.save() } }, true)
  }

  const onTiming = options.onTiming
  const instrumentation = async (ctx, next) => {
    const started = onTiming ? performance.now() : 0
    const isToken = ctx.method === 'POST' && ctx.path === ROUTES.token
    if (isToken && tokenDelay > 0) await new Promise((resolve) => setTimeout(resolve, tokenDelay))
    if (ctx.path === ROUTES.authorization) stats.authorization++
    else if (ctx.path === ROUTES.userinfo) stats.userinfo++
    else if (ctx.path === ROUTES.revocation) stats.revocation++
    try {
      await next()
    } finally {
      if (coop) ctx.set('Cross-Origin-Opener-Policy', coop)
      if (isToken) {
        const raw = ctx.oidc?.params?.['grant_type'] ?? ctx.oidc?.body?.['grant_type']
        const grantType = typeof raw === 'string' ? raw : 'unknown'
        stats.token[grantType] = (stats.token[grantType] ?? 0) + 1
        const body = ctx.body
        stats.tokenCalls.push({
          grantType,
          clientId: clientIdOf(ctx),
          authMethod: authMethodOf(ctx),
          status: ctx.status,
          error: typeof body?.error === 'string' ? body.error : undefined,
        })
        // Counted as processed (tokens issued, refresh token rotated) before the answer is held back.
        if (tokenResponseDelay > 0) await new Promise((resolve) => setTimeout(resolve, tokenResponseDelay))
      }
      onTiming?.({ method: ctx.method, path: ctx.path, status: ctx.status, ms: performance.now() - started })
    }
  }

  provider.use(instrumentation)
  provider.use(interactionPages)
  const callback = provider.callback()
  const extra = options.handle
  server.on('request', (req, res) => {
    if (!extra) return callback(req, res)
    Promise.resolve(extra(req, res)).then(
      (handled) => {
        if (!handled) callback(req, res)
      },
      (err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(`error: ${err.message}`)
      },
    )
  })

  return {
    issuer,
    endpoints: {
      discovery: `${issuer}/.well-known/openid-configuration`,
      authorization: `${issuer}${ROUTES.authorization}`,
      token: `${issuer}${ROUTES.token}`,
      userinfo: `${issuer}${ROUTES.userinfo}`,
      revocation: `${issuer}${ROUTES.revocation}`,
      jwks: `${issuer}${ROUTES.jwks}`,
    },
    clients: clientList,
    addClient,
    setRedirectUris(uris, clientId) {
      const client = clientId ? clients.get(clientId) : clientList[0]
      if (!client) throw new Error(`unknown client ${clientId ?? '(none configured)'}`)
      client.setRedirectUris(uris)
    },
    stats,
    setAccessTokenTtl(seconds) {
      accessTokenTtl = seconds
    },
    setTokenDelay(ms) {
      tokenDelay = ms
    },
    setTokenResponseDelay(ms) {
      tokenResponseDelay = ms
    },
    setCoop(value) {
      coop = value
    },
    revokeAllGrants() {
      let revoked = 0
      for (const [grantId, members] of store.grants) {
        for (const member of members) store.entries.delete(member)
        if (store.entries.delete(`Grant:${grantId}`)) revoked++
      }
      store.grants.clear()
      for (const key of [...store.entries.keys()]) {
        if (key.startsWith('Grant:') && store.entries.delete(key)) revoked++
      }
      return revoked
    },
    forgetSessions() {
      for (const key of [...store.entries.keys()]) if (key.startsWith('Session:')) store.entries.delete(key)
      for (const key of [...store.index.keys()]) if (key.startsWith('sessionUid:')) store.index.delete(key)
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      })
    },
  }
}

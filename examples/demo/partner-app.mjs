/**
 * "Demo CRM", the partner web app: a product that embeds Patchbay so its users can connect their accounts.
 *
 * Backend (this file):
 *   POST /api/connect-session   signs a JWT for the signed-in user (here: always "demo-user") with the partner's
 *                               key and exchanges it at Patchbay's /oauth/token (RFC 8693) for a connect session
 *                               code, bound to this page's origin (allowed_origin). Answers { token, session_id }.
 *   GET  /connect-redirect      the same, then sends the browser to the Connect UI in redirect mode; Patchbay
 *                               comes back to /connected with the result in the query string.
 *   GET  /api/acme-status       the user's Acme Status connection and the choices of the action's `monitor` field
 *                               (POST /v1/actions/acme-status.create_incident/fields/monitor/options).
 *   POST /api/incidents         runs acme-status.create_incident for the user (POST /v1/runs with an
 *                               Idempotency-Key and wait_ms) and answers the run.
 *   Both call Patchbay's REST API with an access token for the user (token exchange without requested_token_type).
 * Front end: public/index.html + public/app.js (the "Connect" buttons, the popup and its postMessage result, the
 * action form).
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { importJWK, SignJWT } from 'jose'

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), 'public')
const SESSION_TYPE = 'urn:patchbay:params:oauth:token-type:connect_session'

/** What the partner tells Patchbay about itself (besides its origin, known once it listens). */
export const PARTNER = {
  id: 'demo-crm',
  name: 'Demo CRM',
  issuer: 'https://demo-crm.example',
  audience: 'patchbay',
  /** The one end user of the demo (a real app takes it from its own login session). */
  user: 'demo-user',
  tenant: 'demo-workspace',
}

const APP_KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/
const THEME = /^[a-z0-9_-]{1,32}$/

const STATIC = {
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The page loads the widget from Patchbay (/connect.js), which asks Patchbay for a closed popup's outcome. */
function securityHeaders(contentType, patchbayOrigin = '') {
  const patchbay = patchbayOrigin ? ` ${patchbayOrigin}` : ''
  return {
    'content-type': contentType,
    'content-security-policy': `default-src 'self'; script-src 'self'${patchbay}; connect-src 'self'${patchbay}; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  }
}

function sendJson(res, status, body) {
  res.writeHead(status, securityHeaders('application/json')).end(JSON.stringify(body))
}

async function readJson(req) {
  let text = ''
  for await (const chunk of req) {
    text += chunk
    if (text.length > 4096) throw new Error('body too large')
  }
  return text ? JSON.parse(text) : {}
}

/**
 * Starts the partner app on 127.0.0.1:`port`. `key` is the partner's key file (partner-key.mjs). Patchbay's URL is
 * given later with `setPatchbayUrl` (Patchbay's configuration needs this app's origin first).
 */
export async function startPartnerApp({ port = 3001, key, acmeStatusKey = '' }) {
  let patchbayUrl
  const signingKey = await importJWK(key.privateJwk, key.alg)
  const templates = {
    index: readFileSync(join(PUBLIC, 'index.html'), 'utf8'),
    connected: readFileSync(join(PUBLIC, 'connected.html'), 'utf8'),
  }
  const server = createServer()
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const origin = `http://127.0.0.1:${server.address().port}`

  /** A short-lived JWT for the user, signed with the partner's key: the subject token of every exchange. */
  function signUserJwt(user) {
    return new SignJWT({ org: PARTNER.tenant })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(PARTNER.issuer)
      .setAudience(PARTNER.audience)
      .setSubject(user)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(signingKey)
  }

  /** The partner backend's half of the flow: a JWT for the user, exchanged for a connect session code. */
  async function createConnectSession({ apps = [], redirect = false, user = PARTNER.user } = {}) {
    if (!patchbayUrl) throw new Error('Patchbay is not up yet')
    const subjectToken = await signUserJwt(user)
    const params = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      requested_token_type: SESSION_TYPE,
    })
    // Popup mode: the result is posted to this exact origin only. Redirect mode: back to a registered URL.
    if (!redirect) params.set('allowed_origin', origin)
    if (apps.length > 0) params.set('apps', apps.join(' '))
    const res = await fetch(`${patchbayUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(key.clientId)}:${encodeURIComponent(key.clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: params,
    })
    const body = await res.json()
    if (!res.ok) throw Object.assign(new Error(`${body.error}: ${body.error_description}`), { status: res.status, body })
    return { token: body.access_token, sessionId: body.session_id, expiresIn: body.expires_in }
  }

  /** An access token for the user (token exchange), to call Patchbay's REST API on their behalf. */
  async function accessToken(user = PARTNER.user) {
    const subjectToken = await signUserJwt(user)
    const res = await fetch(`${patchbayUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(key.clientId)}:${encodeURIComponent(key.clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: subjectToken,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        scope: 'connections:read actions',
      }),
    })
    const body = await res.json()
    if (!res.ok) throw new Error(`${body.error}: ${body.error_description}`)
    return body.access_token
  }

  /** One Patchbay REST API call as the user; Patchbay's error object becomes an Error. */
  async function patchbayApi(path, { method = 'GET', body, headers = {} } = {}) {
    const res = await fetch(`${patchbayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await accessToken()}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const json = await res.json()
    if (!res.ok) throw new Error(json.error?.message ?? `HTTP ${res.status}`)
    return json
  }

  function connectUrl(path, token, extra = {}) {
    const url = new URL(path, patchbayUrl)
    url.searchParams.set('token', token)
    for (const [name, value] of Object.entries(extra)) if (value) url.searchParams.set(name, value)
    return url.href
  }

  async function handle(req, res) {
    const url = new URL(req.url ?? '/', origin)
    if (req.method === 'GET' && url.pathname === '/') {
      const page = templates.index
        .replaceAll('{{PATCHBAY_URL}}', escapeHtml(patchbayUrl ?? ''))
        .replaceAll('{{ACME_STATUS_KEY}}', escapeHtml(acmeStatusKey))
      res.writeHead(200, securityHeaders('text/html; charset=utf-8', patchbayUrl ? new URL(patchbayUrl).origin : '')).end(page)
      return
    }
    if (req.method === 'GET' && STATIC[url.pathname]) {
      const [file, type] = STATIC[url.pathname]
      res.writeHead(200, securityHeaders(type)).end(readFileSync(join(PUBLIC, file)))
      return
    }
    if (url.pathname === '/api/connect-session') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' })
      // Only this app's own pages may ask (a real app also requires its own login session here).
      if (req.headers.origin !== origin) return sendJson(res, 403, { error: 'forbidden', error_description: 'cross-origin request' })
      let input
      try {
        input = await readJson(req)
      } catch {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'expected a small JSON body' })
      }
      const apps = Array.isArray(input.apps) ? input.apps.filter((a) => typeof a === 'string' && APP_KEY.test(a)) : []
      try {
        const session = await createConnectSession({ apps })
        return sendJson(res, 200, { token: session.token, session_id: session.sessionId, expires_in: session.expiresIn })
      } catch (err) {
        return sendJson(res, 502, { error: 'patchbay_error', error_description: err.message })
      }
    }
    if (url.pathname === '/api/acme-status' || url.pathname === '/api/incidents') {
      if (req.headers.origin !== undefined && req.headers.origin !== origin) return sendJson(res, 403, { error: 'forbidden' })
      try {
        const { data } = await patchbayApi('/v1/connections?app=acme-status')
        const connection = data[0]
        if (!connection) return sendJson(res, 404, { error: 'not_connected', error_description: 'Connect Acme Status first.' })
        if (req.method === 'GET' && url.pathname === '/api/acme-status') {
          const { options } = await patchbayApi('/v1/actions/acme-status.create_incident/fields/monitor/options', {
            method: 'POST',
            body: { connection_id: connection.id },
          })
          return sendJson(res, 200, { connection_id: connection.id, account: connection.account_identifier, monitors: options })
        }
        if (req.method === 'POST' && url.pathname === '/api/incidents') {
          const input = await readJson(req)
          const run = await patchbayApi('/v1/runs', {
            method: 'POST',
            // The browser sends one key per form submission: a double click or a retry opens one incident.
            headers: { 'idempotency-key': String(input.key ?? randomUUID()).slice(0, 100) },
            body: {
              action: 'acme-status.create_incident',
              connection_id: connection.id,
              inputs: { monitor: String(input.monitor ?? ''), title: String(input.title ?? '') },
              wait_ms: 10_000,
            },
          })
          return sendJson(res, 200, run)
        }
        return sendJson(res, 405, { error: 'method_not_allowed' })
      } catch (err) {
        return sendJson(res, 502, { error: 'patchbay_error', error_description: err.message })
      }
    }
    if (req.method === 'GET' && url.pathname === '/connect-redirect') {
      const app = url.searchParams.get('app') ?? ''
      const theme = url.searchParams.get('theme') ?? ''
      if (!APP_KEY.test(app)) return sendJson(res, 400, { error: 'invalid_request', error_description: 'app' })
      try {
        const { token } = await createConnectSession({ apps: [app], redirect: true })
        const location = connectUrl(`/to/${app}`, token, {
          redirect_uri: `${origin}/connected`,
          theme: THEME.test(theme) ? theme : '',
        })
        res.writeHead(303, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end()
      } catch (err) {
        sendJson(res, 502, { error: 'patchbay_error', error_description: err.message })
      }
      return
    }
    if (req.method === 'GET' && url.pathname === '/connected') {
      // Redirect mode comes back here: connection_id, app, operation, state — or error, error_description, app.
      const q = url.searchParams
      const ok = q.has('connection_id')
      const rows = [...q].map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td><code>${escapeHtml(v)}</code></td></tr>`).join('')
      const page = templates.connected
        .replaceAll('{{STATUS}}', ok ? 'success' : 'error')
        .replaceAll(
          '{{TITLE}}',
          escapeHtml(
            ok ? `Connected ${q.get('app') ?? 'the app'}` : `Not connected: ${q.get('error_description') ?? q.get('error') ?? 'no result'}`,
          ),
        )
        .replaceAll('{{ROWS}}', rows)
      res.writeHead(200, securityHeaders('text/html; charset=utf-8', patchbayUrl ? new URL(patchbayUrl).origin : '')).end(page)
      return
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end()
      return
    }
    res.writeHead(404, securityHeaders('text/plain; charset=utf-8')).end('not found')
  }

  server.on('request', (req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: err.message })
      else res.end()
    })
  })

  return {
    origin,
    returnUrl: `${origin}/connected`,
    setPatchbayUrl(url) {
      patchbayUrl = url
    },
    createConnectSession,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/**
 * The demo's two third-party apps, declared as Patchbay custom apps (config `apps`, same schema as a catalog
 * entry: packages/catalog/apps/<key>/app.yaml), both served by the local "Acme" server (local-oauth-server.mjs):
 *
 * - Acme Cloud (`acme-cloud`): OAuth 2.0 + OpenID Connect, endpoints found by discovery from the issuer, PKCE;
 * - Acme Status (`acme-status`): an API key, checked against a tiny API before Patchbay stores it.
 *
 * Custom apps may use plain http:// only towards private ranges the operator allows (outbound.allowPrivateRanges).
 */

/** The one API key Acme Status accepts (anything else gets a 401, which the Connect UI shows as an error). */
export const ACME_STATUS_KEY = 'acme_demo_key_0123456789'

export const ACME_CLOUD_COLOR = '#e4572e'

/** The custom app entries for an Acme server listening at `issuer` (`http://127.0.0.1:<port>`). */
export function demoApps(issuer) {
  return [
    {
      key: 'acme-cloud',
      name: 'Acme Cloud',
      description: 'Files and projects in the cloud. In this demo a local OAuth 2.0 / OpenID Connect server plays it.',
      categories: ['demo'],
      docs_url: 'https://openid.net/specs/openid-connect-discovery-1_0.html',
      brand_color: ACME_CLOUD_COLOR,
      api: { base_url: `${issuer}/api`, allowed_hosts: ['127.0.0.1'] },
      // Like the catalog's generic `oidc` app, the issuer is a partner setting (partners[].apps['acme-cloud'].issuer).
      settings: [
        {
          key: 'issuer',
          label: 'Issuer URL',
          help: 'The Acme server; /.well-known/openid-configuration is read from it.',
          pattern: '^http://127\\.0\\.0\\.1:[0-9]{1,5}$',
        },
      ],
      auth: [
        {
          key: 'oauth2',
          type: 'oauth2',
          label: 'Sign in with Acme Cloud',
          // Endpoints come from `${issuer}/.well-known/openid-configuration`; the account identifier from userinfo.
          discovery: true,
          scopes: ['openid', 'email', 'profile', 'api:read'],
          pkce: true,
          inject: { headers: { Authorization: 'Bearer {credentials.access_token}' } },
        },
      ],
    },
    {
      key: 'acme-status',
      name: 'Acme Status',
      description: 'Uptime checks and status pages, connected with an API key (local demo API).',
      categories: ['demo'],
      docs_url: 'https://datatracker.ietf.org/doc/html/rfc6750',
      brand_color: '#2f855a',
      api: { base_url: `${issuer}/status-api/v1`, allowed_hosts: ['127.0.0.1'] },
      auth: [
        {
          key: 'api_key',
          type: 'api_key',
          label: 'API key',
          credential_fields: [
            {
              key: 'api_key',
              label: 'API key',
              help: `The demo key is ${ACME_STATUS_KEY}; any other key is refused by the Acme Status API.`,
              pattern: '^acme_[A-Za-z0-9_]{8,64}$',
              example: 'acme_…',
              secret: true,
            },
          ],
          // Checked before anything is stored; the account's email becomes the connection's account identifier.
          credential_check: { url: '/account', account_identifier: 'email', metadata: { account_id: 'id' } },
          inject: { headers: { Authorization: 'Bearer {credentials.api_key}' } },
        },
      ],
    },
  ]
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body))
}

const MONITORS = [
  { id: 'mon_api', name: 'Public API', status: 'up' },
  { id: 'mon_web', name: 'Website', status: 'up' },
  { id: 'mon_mail', name: 'Email delivery', status: 'degraded' },
]

async function readBody(req) {
  let text = ''
  for await (const chunk of req) {
    text += chunk
    if (text.length > 4096) return undefined
  }
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * The Acme Status API, mounted on the local Acme server through its `handle` option: the account (the credential
 * check), its monitors, and incidents (POST, deduplicated by `Idempotency-Key`). Resolves to false for every other
 * path, which the authorization server then answers.
 */
export function acmeStatusApi(req, res) {
  const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1')
  if (!pathname.startsWith('/status-api/')) return false
  if (req.headers.authorization !== `Bearer ${ACME_STATUS_KEY}`) {
    json(res, 401, { error: { message: 'Invalid API key' } })
    return true
  }
  const route = `${req.method} ${pathname}`
  if (route === 'GET /status-api/v1/account') {
    json(res, 200, { id: 'acct_demo_42', email: 'ops@acme-status.test', name: 'Acme Status (demo account)' })
  } else if (route === 'GET /status-api/v1/monitors') {
    json(res, 200, { monitors: MONITORS })
  } else if (route === 'POST /status-api/v1/incidents') {
    return readBody(req).then((body) => {
      const monitor = MONITORS.find((m) => m.id === body?.monitor)
      if (!monitor || typeof body.title !== 'string' || body.title === '') {
        json(res, 422, { error: { message: "monitor must be one of the account's monitors, and title is required" } })
        return true
      }
      const key = req.headers['idempotency-key']
      const existing = typeof key === 'string' ? incidents.get(key) : undefined
      const incident = existing ?? { id: `inc_${incidents.size + 1}`, monitor: monitor.id, title: body.title, status: 'investigating' }
      if (typeof key === 'string') incidents.set(key, incident)
      json(res, existing ? 200 : 201, incident)
      return true
    })
  } else {
    json(res, 404, { error: { message: 'No such route' } })
  }
  return true
}

/** Incidents opened, by idempotency key (the demo keeps them in memory). */
const incidents = new Map()

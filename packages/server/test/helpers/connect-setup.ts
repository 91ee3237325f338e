import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { appsDir } from '@patchbay/catalog'
import { parse as parseYaml } from 'yaml'
import { authorizeAtProvider, CookieJar, http, openConnect } from './connect-http.js'
import type { DatabaseTarget } from './databases.js'
import { type FakeApi, startFakeApi, stripeAccountRoute } from './fake-api.js'
import { exchangeToken, SESSION_TYPE } from './token-request.js'
import { type OAuthProvider, startOAuthProvider } from './oauth-provider.js'
import { startTestServer, type TestServer } from './test-server.js'

export const GOOD_STRIPE_KEY = 'sk_test_GoodKey0123456789abcdef'

/** A partner web page on its own origin: opens the Connect UI in a popup and records what it is told. */
export interface PartnerPage {
  origin: string
  /** Where redirect-mode flows come back to (registered for the partner). */
  returnUrl: string
  /** The page trusts messages from this origin only (Patchbay's, known once it listens). */
  trust(origin: string): void
  /**
   * Serves more pages on this origin (e.g. a page loading the widget): the handler answers the requests it knows
   * and returns true; anything else falls through to the built-in pages.
   */
  serve(handler: PartnerRoute): void
  close(): Promise<void>
}

export type PartnerRoute = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>

export async function startPartnerPage(): Promise<PartnerPage> {
  let trusted = 'null'
  let extra: PartnerRoute | undefined
  const page = () => `<!doctype html><html><body><button id="connect">Connect</button><pre id="out"></pre>
<script>
window.results = []
window.addEventListener('message', (event) => {
  if (event.origin !== ${JSON.stringify(trusted)}) return
  window.results.push(event.data)
  document.getElementById('out').textContent = JSON.stringify(window.results)
})
document.getElementById('connect').addEventListener('click', () => {
  window.popup = window.open(window.connectUrl, 'patchbay', 'width=500,height=700')
})
</script></body></html>`
  const server: Server = createServer(async (req, res) => {
    if (extra && (await extra(req, res))) return
    if (req.url?.startsWith('/connected')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>back</title><p id="back">back at the partner</p>')
      return
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(page())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    returnUrl: `${origin}/connected`,
    trust(o) {
      trusted = o
    },
    serve(handler) {
      extra = handler
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface ConnectSetup {
  t: TestServer
  provider: OAuthProvider
  fakeApi: FakeApi
  partnerPage: PartnerPage
  /** Exchanges a partner JWT for a connect session code, with extra token request parameters. */
  session(params?: Record<string, string>, sub?: string): Promise<{ code: string; sessionId: string }>
  /** Exchanges a partner JWT for `sub` for an end user's API access token (the REST API's bearer). */
  accessToken(sub: string): Promise<string>
  /**
   * The whole Connect flow over HTTP for `sub` at the OIDC app (a new connection, or `reconnectId` authorized
   * again), signing in at the provider as `sub`; returns the connection's id and the session's.
   */
  connect(sub: string, reconnectId?: string): Promise<{ id: string; sessionId: string }>
  /** Marks a connection's token as expired a second ago, behind Patchbay's back (nothing announced). */
  expire(id: string): Promise<void>
  close(): Promise<void>
}

/**
 * Patchbay with a partner whose page lives on another origin, the generic OIDC app pointed at a
 * real local OAuth server (oidc-provider: PKCE required, rotating refresh tokens), and a custom
 * Stripe app (the catalog's own entry, re-pointed at a local fake that answers as Stripe's docs say).
 */
export async function startConnectSetup(
  target: DatabaseTarget,
  config: Record<string, unknown> = {},
  options: { persistent?: boolean } = {},
): Promise<ConnectSetup> {
  const provider = await startOAuthProvider()
  const fakeApi = await startFakeApi({
    routes: { 'GET /v1/account': stripeAccountRoute({ validKey: GOOD_STRIPE_KEY, email: 'billing@acme.test' }) },
  })
  const stripe = parseYaml(readFileSync(`${appsDir}/stripe/app.yaml`, 'utf8')) as Record<string, unknown>
  const fakeStripe = {
    ...stripe,
    key: 'fakestripe',
    name: 'Stripe (local)',
    api: { base_url: `${fakeApi.url}/v1`, allowed_hosts: ['127.0.0.1'] },
  }
  const partnerPage = await startPartnerPage()
  const t = await startTestServer({
    target,
    ...(options.persistent ? { persistent: true } : {}),
    config: { apps: [fakeStripe], ...config },
    partner: { allowedOrigins: [partnerPage.origin], redirectUris: [partnerPage.returnUrl, 'https://partner.example/connected'] },
  })
  partnerPage.trust(new URL(t.url).origin)
  provider.setRedirectUris([`${t.url}/oauth2/callback/oidc`])
  const client = provider.clients[0] as { clientId: string; clientSecret: string }
  await t.server.services.partnerApps.set(t.partner.id, 'oidc', {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    scopes: ['openid', 'email', 'offline_access'],
    settings: { issuer: provider.issuer },
  })
  const setup: ConnectSetup = {
    t,
    provider,
    fakeApi,
    partnerPage,
    async session(params = {}, sub = 'alice') {
      const body = await exchangeToken(t, { sub }, { requested_token_type: SESSION_TYPE, ...params })
      return { code: body.access_token, sessionId: body.session_id }
    },
    async accessToken(sub) {
      return (await exchangeToken(t, { sub })).access_token
    },
    async connect(sub, reconnectId) {
      const jar = new CookieJar()
      const { code, sessionId } = await setup.session(reconnectId ? { reconnect_id: reconnectId } : {}, sub)
      const { page } = await openConnect(t.url, `/to/oidc?token=${code}`, jar)
      if (page.status !== 303 || !page.location) throw new Error(`expected a redirect to the provider, got ${page.status}`)
      const callback = await authorizeAtProvider(page.location, { username: sub, stopAt: `${t.url}/oauth2/callback/oidc` })
      const result = await http(callback.href, { jar })
      if (result.status !== 200) {
        const errors = t.logs.filter((l) => l.includes('"level":50'))
        throw new Error(`callback answered ${result.status}: ${errors.join('\n').slice(-1500)}`)
      }
      // The connection the session ended with, as the widget is told (docs/connect-ui.md).
      const row = await t.server.services.database.db
        .selectFrom('connect_sessions')
        .select('outcome')
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow()
      return { id: (JSON.parse(row.outcome as string) as { connection_id: string }).connection_id, sessionId }
    },
    async expire(id) {
      await t.server.services.database.db
        .updateTable('connections')
        .set({ expires_at: Date.now() - 1000 })
        .where('id', '=', id)
        .execute()
    },
    async close() {
      await partnerPage.close()
      await t.close()
      await provider.close()
      await fakeApi.close()
    },
  }
  return setup
}

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type ActionDefinition, appsDir, compiledAppsDir } from '@patchbay/catalog'
import { parse as parseYaml } from 'yaml'
import type { DatabaseTarget } from '../helpers/databases.js'
import { type FakeApi, type FakeApiRoute, startFakeApi } from '../helpers/fake-api.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { addConnection, type EndUser, endUser } from '../proxy/proxy-setup.js'

/**
 * Runs a catalog app's real action definitions against a local fake of the app's API (answering as
 * the provider's public docs say). The app entry is the catalog's own `app.yaml` with every URL on
 * the app's hosts moved to the fake (same paths), declared as the custom app `<key>-fake`; the
 * actions are the compiled catalog files with `app` set to that key. So the action code, its
 * paths, payloads and parsing, and the whole engine (proxy, refresh, retries) are what is tested.
 */

/** The catalog app `key` moved onto `fakeUrl`, as a custom app `<key>-fake`. */
export function catalogAppOnFake(key: string, fakeUrl: string): Record<string, unknown> {
  const app = parseYaml(readFileSync(join(appsDir, key, 'app.yaml'), 'utf8')) as Record<string, unknown>
  const api = app.api as { allowed_hosts: string[] }
  const hosts = api.allowed_hosts.map((h) => h.replace(/^\*\./, ''))
  const move = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const m = /^https:\/\/([^/{}]+)(.*)$/.exec(value)
      if (m && hosts.some((h) => m[1] === h || (m[1] as string).endsWith(`.${h}`))) return `${fakeUrl}${m[2]}`
      return value
    }
    if (Array.isArray(value)) return value.map(move)
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, move(v)]))
    return value
  }
  const moved = move(app) as Record<string, unknown>
  return { ...moved, key: `${key}-fake`, api: { ...(moved.api as object), allowed_hosts: ['127.0.0.1'] } }
}

/** The compiled catalog actions of an app (`dist/apps/<key>/actions/*.js`), moved to `<key>-fake`. */
export async function catalogActionsOnFake(key: string, names: string[]): Promise<ActionDefinition[]> {
  const out: ActionDefinition[] = []
  for (const name of names) {
    const module = (await import(pathToFileURL(join(compiledAppsDir, key, 'actions', `${name}.js`)).href)) as { default: ActionDefinition }
    out.push({ ...module.default, app: `${key}-fake` })
  }
  return out
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
type Json = any

export interface ActionHarness {
  t: TestServer
  fake: FakeApi
  alice: EndUser
  /** alice's OAuth connection (access token `token-1`, refresh token `refresh-1`), or API-key connection. */
  conn: string
  /** Refreshes the fake's token endpoint answered. */
  refreshes: number
  /** Runs `<key>-fake.<action>` and waits for its end. */
  run(action: string, inputs: Record<string, unknown>, extra?: Record<string, unknown>): Promise<{ status: number; json: Json }>
  options(action: string, field: string, body?: Record<string, unknown>): Promise<{ status: number; json: Json }>
  close(): Promise<void>
}

export interface HarnessOptions {
  /** Catalog app key, e.g. `github`. */
  app: string
  /** Action keys to load from the catalog. */
  actions: string[]
  /** Fake routes with the app's real paths, e.g. `'POST /repos/:owner/:repo/issues'`. */
  routes: Record<string, FakeApiRoute>
  /** The auth option to connect with (default `oauth2`) and its credentials. */
  authOption?: string
  credentials?: Record<string, string>
  /** Path of the app's token endpoint on the fake (the catalog token_url's path), for the refresh test. */
  tokenPath?: string
  metadata?: Record<string, string>
}

/** Patchbay with the app on a fake, its catalog actions, alice and her connection. */
export async function startActionHarness(target: DatabaseTarget, options: HarnessOptions): Promise<ActionHarness> {
  const state = { refreshes: 0 }
  const routes: Record<string, FakeApiRoute> = { ...options.routes }
  if (options.tokenPath) {
    routes[`POST ${options.tokenPath}`] = (req) => {
      const form = new URLSearchParams(req.body)
      if (form.get('grant_type') !== 'refresh_token') return { status: 400, json: { error: 'unsupported_grant_type' } }
      state.refreshes++
      return {
        json: {
          access_token: `token-${state.refreshes + 1}`,
          refresh_token: `refresh-${state.refreshes + 1}`,
          token_type: 'bearer',
          expires_in: 3600,
        },
      }
    }
  }
  const fake = await startFakeApi({ routes })
  const key = `${options.app}-fake`
  const t = await startTestServer({
    target,
    actions: await catalogActionsOnFake(options.app, options.actions),
    config: { apps: [catalogAppOnFake(options.app, fake.url)], 'runs.retryBaseMs': 50, 'webhooks.dispatch': false },
  })
  const authOption = options.authOption ?? 'oauth2'
  if (authOption.startsWith('oauth2')) {
    await t.server.services.partnerApps.set(t.partner.id, key, { clientId: 'fake-client', clientSecret: 'fake-client-secret' })
  }
  const alice = await endUser(t, 'alice')
  const conn = await addConnection(t, alice, {
    app: key,
    authOption,
    authType: authOption.startsWith('oauth2') ? 'oauth2' : authOption,
    credentials: options.credentials ?? { access_token: 'token-1', refresh_token: 'refresh-1', token_type: 'bearer' },
    ...(options.metadata ? { metadata: options.metadata } : {}),
    expiresAt: Date.now() + 3600_000,
  })
  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as Json }
  }
  return {
    t,
    fake,
    alice,
    conn,
    get refreshes() {
      return state.refreshes
    },
    run: (action, inputs, extra = {}) =>
      api('/v1/runs', { action: `${key}.${action}`, connection_id: conn, inputs, wait_ms: 15_000, ...extra }),
    options: (action, field, body = {}) => api(`/v1/actions/${key}.${action}/fields/${field}/options`, { connection_id: conn, ...body }),
    async close() {
      await t.close()
      await fake.close()
    },
  }
}

/** The bearer token a fake request carried (`Authorization: Bearer …`). */
export function bearerOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers.authorization
  return typeof value === 'string' && value.startsWith('Bearer ') ? value.slice(7) : undefined
}

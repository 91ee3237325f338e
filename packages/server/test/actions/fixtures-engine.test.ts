import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type ActionDefinition, appsDir, compiledAppsDir, type RunError } from '@patchbay/catalog'
import {
  type ActionFixtures,
  expectationProblems,
  FIXTURE_IDEMPOTENCY_KEY,
  type FixtureFake,
  fixturesPath,
  readFixtures,
  startFixtureFake,
  writesOf,
} from '@patchbay/catalog/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { loadActions } from '../../src/actions/action-registry.js'
import { loadCatalog } from '../../src/catalog/load-catalog.js'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { addConnection, endUser } from '../proxy/proxy-setup.js'

// Every catalog action's recorded fixtures, replayed through the whole engine: POST /v1/runs, the run
// engine, ctx.http over the proxy (credentials injected, address policy, caps), the error mapping, and
// the dry run as the API answers it. Each app's API is a fixture fake at the app's own base path
// (docs/actions.md, "Fixtures"); test/catalog/fixtures.test.ts replays the same files without a server.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
type Json = any

const catalog = loadCatalog()
const definitions = (await loadActions(catalog)).list().map((a) => a.definition)
const apps = [...new Set(definitions.map((d) => d.app))].sort()

interface AppOnFake {
  key: string
  fake: FixtureFake
  basePath: string
}

/** The API base URL's path (`/api/v2` of `https://{params.subdomain}.zendesk.com/api/v2`; `''` for a templated origin). */
function basePathOf(baseUrl: string): string {
  const m = /^https:\/\/[^/]+(\/.*)?$/.exec(baseUrl)
  return (m?.[1] ?? '').replace(/\/$/, '')
}

async function definitionOf(app: string, key: string): Promise<ActionDefinition> {
  const module = (await import(pathToFileURL(join(compiledAppsDir, app, 'actions', `${key}.js`)).href)) as { default: ActionDefinition }
  return { ...module.default, app: `${app}-fake` }
}

describe.each(databaseTargets)('catalog fixtures through the engine ($name)', (target) => {
  let t: TestServer
  const onFake = new Map<string, AppOnFake>()
  const actions: ActionDefinition[] = []

  beforeAll(async () => {
    const fakeApps: Record<string, unknown>[] = []
    for (const app of apps) {
      const entry = parseYaml(readFileSync(join(appsDir, app, 'app.yaml'), 'utf8')) as Record<string, Json>
      const basePath = basePathOf(entry.api.base_url as string)
      const others = Object.entries((entry.api.base_urls ?? {}) as Record<string, string>)
      const fake = await startFixtureFake({ basePath, basePaths: Object.fromEntries(others.map(([name, url]) => [name, basePathOf(url)])) })
      onFake.set(app, { key: `${app}-fake`, fake, basePath })
      // Only the API moves to the fake (the OAuth endpoints stay as they are: no token is asked for).
      const api = {
        ...entry.api,
        base_url: `${fake.url}${basePath}`,
        ...(others.length > 0
          ? { base_urls: Object.fromEntries(others.map(([name, url]) => [name, `${fake.baseUrl(name)}${basePathOf(url)}`])) }
          : {}),
        allowed_hosts: [...(entry.api.allowed_hosts as string[]), '127.0.0.1'],
      }
      fakeApps.push({ ...entry, key: `${app}-fake`, api })
    }
    for (const d of definitions) actions.push(await definitionOf(d.app, d.key))
    t = await startTestServer({
      target,
      actions,
      // One attempt: a fixture's 429 or 5xx is the run's error, as the fixture says (retries have their own tests).
      config: { apps: fakeApps, 'runs.maxAttempts': 1, 'webhooks.dispatch': false },
    })
    for (const [app, entry] of onFake) {
      const option = catalog.get(app)?.auth[0] as Json
      if (String(option.type).startsWith('oauth')) {
        await t.server.services.partnerApps.set(t.partner.id, entry.key, { clientId: 'fixture-client', clientSecret: 'fixture-secret' })
      }
    }
  })
  afterAll(async () => {
    await t?.close()
    for (const entry of onFake.values()) await entry.fake.close()
  })

  let users = 0
  /**
   * Runs the action as a new end user with a new connection, under the fixtures' idempotency key
   * (keys are per end user: each case gets its own, so recorded bodies can carry the key).
   */
  const run = async (app: AppOnFake, action: string, inputs: unknown, extra: Record<string, unknown> = {}) => {
    const user = await endUser(t, `user-${++users}`)
    const name = app.key.replace(/-fake$/, '')
    const option = catalog.get(name)?.auth[0] as Json
    const credentials: Record<string, string> = String(option.type).startsWith('oauth')
      ? {
          access_token: 'fixture-access-token-0123456789',
          token_type: 'bearer',
          oauth_token: 'fixture-oauth-token-0123456789',
          oauth_token_secret: 'fixture-oauth-secret-0123456789',
        }
      : Object.fromEntries(((option.credential_fields ?? []) as { key: string }[]).map((f) => [f.key, `fixture-${f.key}-0123456789`]))
    const conn = await addConnection(t, user, {
      app: app.key,
      authOption: option.key,
      authType: option.type,
      credentials,
      expiresAt: Date.now() + 3600_000,
    })
    const res = await fetch(`${t.url}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'idempotency-key': FIXTURE_IDEMPOTENCY_KEY },
      body: JSON.stringify({ action: `${app.key}.${action}`, connection_id: conn, inputs, wait_ms: 20_000, ...extra }),
    })
    return { status: res.status, json: (await res.json()) as Json }
  }

  it.each(definitions.map((d) => [`${d.app}.${d.key}`, d] as const))('%s: every fixture case ends as recorded', async (_id, d) => {
    const fixtures = readFixtures(fixturesPath(appsDir, d.app, d.key)) as ActionFixtures
    const app = onFake.get(d.app) as AppOnFake
    const problems: string[] = []
    // A client-credentials connection gets a new token on a 401 and tries again (test/actions/ covers
    // it): a recorded 401 is what the app answers a token that stays refused, shown by the replay
    // without a server (test/catalog/fixtures.test.ts).
    const renews = catalog.get(d.app)?.auth[0]?.type === 'oauth2_client_credentials'
    for (const c of fixtures.cases.filter((c) => !(renews && 'error' in c.expect && c.expect.error.type === 'auth'))) {
      app.fake.play(c.exchanges)
      const res = await run(app, d.key, c.inputs)
      expect(res.status, `${c.name}: ${JSON.stringify(res.json)}`).toBe(200)
      const error: RunError | undefined = res.json.status === 'succeeded' ? undefined : res.json.error
      const found = [
        ...app.fake.problems(),
        ...(app.fake.remaining() > 0 ? [`${app.fake.remaining()} expected request(s) not made`] : []),
        ...expectationProblems(d, c, res.json.output, error),
      ]
      problems.push(...found.map((p) => `${c.name}: ${p}`))
    }
    expect(problems).toEqual([])
  })

  it.each(definitions.filter((d) => d.type === 'write').map((d) => [`${d.app}.${d.key}`, d] as const))(
    '%s: a dry run shows the requests of its success case, credentials redacted, and sends none',
    async (_id, d) => {
      const fixtures = readFixtures(fixturesPath(appsDir, d.app, d.key)) as ActionFixtures
      const success = fixtures.cases.find((c) => 'output' in c.expect)
      if (!success) throw new Error(`${d.app}.${d.key} has no success case`)
      const app = onFake.get(d.app) as AppOnFake
      app.fake.play([])
      const res = await run(app, d.key, success.inputs, { dry_run: true })
      expect(res.json.status, JSON.stringify(res.json.error)).toBe('succeeded')
      expect(app.fake.problems()).toEqual([])
      const shown = (res.json.output.requests as { method: string; url: string; headers: Record<string, string>; body: unknown }[]).map(
        (r) => {
          const url = new URL(r.url)
          expect(url.origin).toBe(app.fake.url)
          const query = Object.fromEntries(url.searchParams)
          // A request to one of the app's other base URLs (api.base_urls) lands under /__base/<name> on the fake.
          const other = /^\/__base\/([a-z0-9_]+)(\/.*)$/.exec(url.pathname)
          return {
            method: r.method,
            ...(other ? { base: other[1] } : {}),
            path: other ? (other[2] as string) : url.pathname.slice(app.basePath.length),
            ...(Object.keys(query).length > 0 ? { query } : {}),
            ...(r.body !== null ? { body: r.body } : {}),
          }
        },
      )
      expect(shown).toEqual(
        writesOf(success).map((w) => ({
          method: w.method,
          ...(w.base ? { base: w.base } : {}),
          path: w.path,
          ...(w.query ? { query: w.query } : {}),
          ...(w.body !== undefined ? { body: w.body } : {}),
        })),
      )
      expect(JSON.stringify(res.json)).not.toMatch(/fixture-[a-z_]*-0123456789|fixture-access-token/)
    },
  )
})

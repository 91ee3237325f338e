import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'

interface OpenApiOperation {
  operationId?: string
  summary?: string
  security?: Array<Record<string, string[]>>
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>
}

interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, OpenApiOperation>>
  components: { schemas: Record<string, unknown> }
}

/**
 * Routes deliberately left out of /openapi.json, each with the reason. A route on neither this list
 * nor the document fails the test above, so no new route slips through undocumented.
 */
const HIDDEN: Record<string, { methods: string[]; why: string }> = {
  '/healthz': { methods: ['GET'], why: 'liveness probe for orchestrators' },
  '/readyz': { methods: ['GET'], why: 'readiness probe for orchestrators' },
  '/openapi.json': { methods: ['GET'], why: 'the document itself' },
  '/to/:app': { methods: ['GET'], why: 'Connect UI page (browser, session code)' },
  '/connect': { methods: ['GET'], why: 'Connect UI picker page' },
  '/link': { methods: ['GET'], why: 'connect link landing page (browser, link token)' },
  '/connect/:session': { methods: ['GET'], why: 'Connect UI page' },
  '/connect/:session/:app': { methods: ['GET', 'POST'], why: 'Connect UI form page and its submission' },
  '/oauth2/callback/:app': { methods: ['GET'], why: "providers' OAuth 2.0 redirect target" },
  '/oauth1/callback/:app': { methods: ['GET'], why: "providers' OAuth 1.0a callback" },
  '/assets/apps/:file': { methods: ['GET'], why: 'app logos (static files)' },
  '/connect.js': { methods: ['GET'], why: 'the widget script (static file)' },
  '/v1/proxy/:connectionId': {
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    why: 'the same operation as /v1/proxy/{connectionId}/{path} with an empty path (the app API base URL)',
  },
  '/mcp': { methods: ['GET', 'DELETE'], why: 'answered 405 by the MCP SDK (no sessions): not an operation' },
  '/docs': { methods: ['GET'], why: 'the API reference page (Swagger UI)' },
  '/docs/*': { methods: ['GET'], why: "the reference page's document (JSON, YAML) and Swagger UI's assets" },
  // The operator console's HTML pages and forms (docs/console.md): for a browser, not an API client.
  '/console': { methods: ['GET'], why: 'console page' },
  '/console/login': { methods: ['GET', 'POST'], why: 'console sign-in page and form' },
  '/console/logout': { methods: ['POST'], why: 'console sign-out form' },
  '/console/connections': { methods: ['GET'], why: 'console page' },
  '/console/connections/find': { methods: ['GET'], why: 'console form (redirects)' },
  '/console/connections/:id': { methods: ['GET'], why: 'console page' },
  '/console/connections/:id/reauth-link': { methods: ['POST'], why: 'console form' },
  '/console/connections/:id/delete': { methods: ['POST'], why: 'console form' },
  '/console/runs': { methods: ['GET'], why: 'console page' },
  '/console/runs/:id': { methods: ['GET'], why: 'console page' },
  '/console/runs/:id/retry': { methods: ['POST'], why: 'console form' },
  '/console/webhooks': { methods: ['GET'], why: 'console page' },
  '/console/webhooks/:id': { methods: ['GET'], why: 'console page' },
  '/console/webhooks/:id/redeliver': { methods: ['POST'], why: 'console form' },
}

/** Documented operations whose success answer is not a schema-checked JSON body. */
const NO_RESPONSE_SCHEMA = new Set([
  // The app's own answer, streamed back as is.
  ...['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => `${m} /v1/proxy/{connectionId}/{path}`),
  // RFC 7009 §2.2: 200 with an empty body (tested in oauth/revocation.test.ts).
  'POST /oauth/revoke',
])

/** `/v1/connections/:id` → `/v1/connections/{id}`; the proxy's wildcard is its `{path}` parameter. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}')
}

describe.each(databaseTargets)('HTTP server ($name)', (target) => {
  let t: TestServer

  async function exchange(subject: string): Promise<Response> {
    return fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${t.partner.clientId}:${t.partner.clientSecret}`)}` },
      body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE }),
    })
  }

  beforeAll(async () => {
    t = await startTestServer({ target })
  })

  /** Fastify adds a HEAD route beside every GET one (with or without a trailing slash): part of the GET operation. */
  function hasGet(url: string): boolean {
    const bare = url.replace(/(.)\/$/, '$1')
    return t.server.app.registeredRoutes.some((r) => r.method === 'GET' && r.url.replace(/(.)\/$/, '$1') === bare)
  }
  afterAll(() => t?.close())

  it('answers /healthz and /readyz', async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' })
    const ready = await fetch(`${t.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready' })
  })

  it('answers unknown routes with PB_ERR_NOT_FOUND', async () => {
    const res = await fetch(`${t.url}/nope?token=secret`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { code: 'PB_ERR_NOT_FOUND', message: 'no route GET /nope' } })
    // Under /docs too, which another Fastify instance answers (http/api-reference.ts).
    const docs = await fetch(`${t.url}/docs/static/nope.js?token=secret`)
    expect(docs.status).toBe(404)
    expect(await docs.json()).toEqual({ error: { code: 'PB_ERR_NOT_FOUND', message: 'no route GET /docs/static/nope.js' } })
  })

  it('refuses /v1 without a bearer token, with a bad one, and with a revoked one', async () => {
    const none = await fetch(`${t.url}/v1/me`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="patchbay"')
    expect((await none.json()).error.code).toBe('PB_ERR_UNAUTHORIZED')

    const bad = await fetch(`${t.url}/v1/me`, { headers: { authorization: 'Bearer pbat_notarealtoken' } })
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"')

    const { access_token } = await (await exchange(await t.sign())).json()
    expect((await fetch(`${t.url}/v1/me`, { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(200)
    await t.server.services.accessTokens.revoke(access_token)
    expect((await fetch(`${t.url}/v1/me`, { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(401)
  })

  it('refuses an expired access token', async () => {
    const { access_token } = await (await exchange(await t.sign())).json()
    await t.server.services.database.db
      .updateTable('access_tokens')
      .set({ expires_at: Date.now() - 1 })
      .execute()
    const res = await fetch(`${t.url}/v1/me`, { headers: { authorization: `Bearer ${access_token}` } })
    expect(res.status).toBe(401)
  })

  it('refuses an oversized body with PB_ERR_PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const { access_token } = await (await exchange(await t.sign())).json()
    const before = await t.counts()
    const res = await fetch(`${t.url}/v1/connect/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ custom_state: 'x'.repeat(t.config.bodyLimitBytes) }),
    })
    expect(res.status).toBe(413)
    expect((await res.json()).error.code).toBe('PB_ERR_PAYLOAD_TOO_LARGE')
    expect(await t.counts()).toEqual(before)
  })

  it('refuses a session body with unknown fields or bad JSON', async () => {
    const { access_token } = await (await exchange(await t.sign())).json()
    const headers = { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' }
    const unknown = await fetch(`${t.url}/v1/connect/sessions`, { method: 'POST', headers, body: JSON.stringify({ appz: [] }) })
    expect(unknown.status).toBe(400)
    expect((await unknown.json()).error.code).toBe('PB_ERR_VALIDATION')
    const broken = await fetch(`${t.url}/v1/connect/sessions`, { method: 'POST', headers, body: '{"apps":' })
    expect(broken.status).toBe(400)
    expect((await broken.json()).error.code).toBe('PB_ERR_BAD_REQUEST')
  })

  it('documents every registered route in the OpenAPI document, except the ones deliberately hidden', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as OpenApiDocument
    expect(doc.openapi).toBe('3.1.0')
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)),
    )
    const registered = t.server.app.registeredRoutes.filter((r) => r.method !== 'HEAD' || !hasGet(r.url))
    const hiddenKeys = new Set(Object.entries(HIDDEN).flatMap(([url, { methods }]) => methods.map((m) => `${m} ${url}`)))

    // Every route is in the document (Fastify's `:id` is OpenAPI's `{id}`) unless it is on the hidden list…
    const undocumented = registered
      .filter((r) => !hiddenKeys.has(`${r.method} ${r.url}`))
      .filter((r) => !documented.has(`${r.method} ${openApiPath(r.url)}`))
      .map((r) => `${r.method} ${r.url}`)
    expect(undocumented, 'routes neither in /openapi.json nor in HIDDEN').toEqual([])
    // …the hidden list names only routes that exist (it cannot rot) and that really are hidden.
    const registeredKeys = new Set(registered.map((r) => `${r.method} ${r.url}`))
    expect(
      [...hiddenKeys].filter((k) => !registeredKeys.has(k)),
      'HIDDEN entries that are not routes',
    ).toEqual([])
    const leaked = [...hiddenKeys].filter((k) => {
      const [method, url] = k.split(' ') as [string, string]
      return documented.has(`${method} ${openApiPath(url)}`)
    })
    expect(leaked, 'HIDDEN routes that are in the document').toEqual([])
    // Nothing is documented that is not served.
    const served = new Set(t.server.app.registeredRoutes.map((r) => `${r.method} ${openApiPath(r.url)}`))
    expect([...documented].filter((k) => !served.has(k))).toEqual([])
  })

  it('declares a success response schema for every documented operation (so nothing undeclared is serialized)', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as OpenApiDocument
    const missing: string[] = []
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const key = `${method.toUpperCase()} ${path}`
        if (NO_RESPONSE_SCHEMA.has(key)) continue
        const success = Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status))
        const declared = success.some(([status, r]) => status === '204' || r.content !== undefined)
        if (!declared) missing.push(key)
      }
    }
    expect(missing).toEqual([])
  })

  it('gives every operation a unique operationId, a summary, its security and its 4xx answers', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as OpenApiDocument
    const ids = new Map<string, string>()
    const problems: string[] = []
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const key = `${method.toUpperCase()} ${path}`
        if (!operation.operationId) problems.push(`${key}: no operationId`)
        else if (ids.has(operation.operationId))
          problems.push(`${key}: operationId ${operation.operationId} also on ${ids.get(operation.operationId)}`)
        else ids.set(operation.operationId, key)
        if (!operation.summary) problems.push(`${key}: no summary`)
        // Public operations say so with `security: []`; none inherits a default.
        if (!Array.isArray(operation.security)) problems.push(`${key}: no security`)
        if (!Object.keys(operation.responses ?? {}).some((status) => /^4/.test(status))) problems.push(`${key}: no 4xx response`)
        const bearer = operation.security?.some((s) => 'bearer' in s) === true
        if ((path.startsWith('/v1/') && !path.startsWith('/v1/partner/')) || path === '/mcp') {
          if (!bearer) problems.push(`${key}: served behind a bearer token, documented without`)
          if (!operation.responses?.['401']) problems.push(`${key}: no 401`)
        }
      }
    }
    expect(problems).toEqual([])
  })

  it('answers every REST API error with the one shared Error schema, listed in components', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as OpenApiDocument
    expect(doc.components.schemas).toHaveProperty('Error')
    const others: string[] = []
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (!/^[45]\d\d$/.test(status)) continue
          const ref = response.content?.['application/json']?.schema?.$ref
          if (ref !== '#/components/schemas/Error') others.push(`${method.toUpperCase()} ${path} ${status}: ${ref}`)
        }
      }
    }
    expect(others).toEqual([])
    // Shared schemas are components, referred to by name: no operation repeats one inline.
    const text = JSON.stringify(doc.paths)
    expect(text).toContain('"#/components/schemas/Connection"')
    expect(text).not.toMatch(/"def-\d+"/)
  })

  it('declares every timestamp of the REST API as an ISO 8601 date-time string', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as OpenApiDocument
    const found: string[] = []
    const wrong: string[] = []
    const isDateTime = (schema: Record<string, unknown>): boolean =>
      (schema.type === 'string' && schema.format === 'date-time') ||
      (Array.isArray(schema.anyOf) &&
        (schema.anyOf as Array<Record<string, unknown>>).every((s) => s.type === 'null' || isDateTime(s)) &&
        (schema.anyOf as Array<Record<string, unknown>>).some(isDateTime))
    const walk = (value: unknown, at: string): void => {
      if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${at}/${i}`))
      if (typeof value !== 'object' || value === null) return
      const properties = (value as { properties?: unknown }).properties
      if (typeof properties === 'object' && properties !== null) {
        for (const [name, schema] of Object.entries(properties as Record<string, Record<string, unknown>>)) {
          if (!/(_at|^timestamp)$/.test(name)) continue
          found.push(`${at}.${name}`)
          if (!isDateTime(schema)) wrong.push(`${at}.${name}: ${JSON.stringify(schema)}`)
        }
      }
      for (const [key, child] of Object.entries(value)) walk(child, `${at}/${key}`)
    }
    walk(doc, '#')
    expect(wrong).toEqual([])
    // The walk found the timestamps it should (connections, runs, webhook events…).
    expect(found.length).toBeGreaterThan(15)
  })

  it('serves a human-readable API reference at /docs that needs nothing from another origin', async () => {
    const page = await fetch(`${t.url}/docs`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    const html = await page.text()
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)
    expect(refs.length).toBeGreaterThan(2)
    for (const ref of refs) {
      expect(ref, `${ref} is not on this origin`).toMatch(/^\/docs\//)
      const asset = await fetch(`${t.url}${ref}`)
      await asset.arrayBuffer()
      expect(asset.status, ref).toBe(200)
    }
    // No third-party validator badge (Swagger UI's default would fetch validator.swagger.io).
    const init = await (await fetch(`${t.url}/docs/static/swagger-initializer.js`)).text()
    expect(init).toContain('validatorUrl: null')
    // Patchbay's page: its name, icon and logo, and nothing of the framework it is built with.
    expect(html).toContain('<title>Patchbay API reference</title>')
    expect(html).toContain('theme/favicon.svg')
    const logo = /img\.src = 'data:image\/svg\+xml;base64,([^']+)'/.exec(init)?.[1]
    expect(Buffer.from(logo ?? '', 'base64').toString()).toContain('aria-label="Patchbay"')
    expect(await (await fetch(`${t.url}/docs/static/theme/favicon.svg`)).text()).toContain('<svg')
    for (const text of [html, init]) expect(text).not.toMatch(/fastify/i)
    const info = (await (await fetch(`${t.url}/openapi.json`)).json()).info
    expect(info.title).toBe('Patchbay API')
    // Built on first use, after the server bound its port: the document names the address clients reach.
    expect((await (await fetch(`${t.url}/openapi.json`)).json()).servers).toEqual([{ url: t.url, description: 'This Patchbay' }])
    expect(info.description).toContain('self-hostable Connect platform')
    expect(JSON.stringify(info)).not.toMatch(/fastify/i)
    // The page reads the same document as /openapi.json.
    const json = await (await fetch(`${t.url}/docs/json`)).json()
    expect(Object.keys(json.paths).sort()).toEqual(
      Object.keys(await (await fetch(`${t.url}/openapi.json`)).json().then((d) => d.paths)).sort(),
    )
  })

  it('never writes a secret to the log', async () => {
    const subject = await t.sign()
    const res = await exchange(subject)
    const { access_token } = await res.json()
    await fetch(`${t.url}/v1/me?token=${access_token}`, { headers: { authorization: `Bearer ${access_token}` } })
    await exchange('not-a-jwt')
    const logs = t.logs.join('\n')
    expect(logs).toContain('/v1/me?token=[REDACTED]')
    for (const secret of [subject, access_token, t.partner.clientSecret]) expect(logs).not.toContain(secret)
  })
})

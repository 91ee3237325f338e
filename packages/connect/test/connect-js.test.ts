import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { widgetScriptRoutes } from '../../server/src/routes/widget-script.js'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { startTestServer, type TestServer } from '../../server/test/helpers/test-server.js'

const umd = new URL('../dist/patchbay-connect.umd.js', import.meta.url)

describe('GET /connect.js (the widget for <script> tags)', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer({ target: databaseTargets[0]! })
  })
  afterAll(() => t?.close())

  it('serves the UMD build as public, cacheable JavaScript', async () => {
    const res = await fetch(`${t.url}/connect.js`, { headers: { origin: 'https://anyone.example' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=86400\b/)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('etag')).toMatch(/^"[\w-]{27}"$/)
    expect(await res.text()).toBe(readFileSync(umd, 'utf8'))
  })

  it('answers 304 to a matching If-None-Match', async () => {
    const etag = (await fetch(`${t.url}/connect.js`)).headers.get('etag') as string
    const res = await fetch(`${t.url}/connect.js`, { headers: { 'if-none-match': etag } })
    expect(res.status).toBe(304)
    expect(await res.text()).toBe('')
  })

  it('answers 404 with a clear message when the widget is not built', async () => {
    const app = Fastify()
    await app.register(widgetScriptRoutes, { path: '/nonexistent/patchbay-connect.umd.js' })
    const res = await app.inject({ method: 'GET', url: '/connect.js' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({
      error: { code: 'PB_ERR_NOT_FOUND', message: expect.stringContaining('npm run build -w @patchbay/connect') },
    })
    await app.close()
  })
})

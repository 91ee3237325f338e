import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../helpers/api-call.js'
import { http } from '../helpers/connect-http.js'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'

// docs/connect-links.md against a running server: its example answer has exactly the fields the API
// answers with, the statuses it lists are the API's, and its landing-page table holds.

const doc = readFileSync(new URL('../../../../docs/connect-links.md', import.meta.url), 'utf8')
const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? '{}') as { url: string; link: Record<string, unknown> }

describe('docs/connect-links.md', () => {
  let t: TestServer
  let token: string

  beforeAll(async () => {
    t = await startTestServer({ target: databaseTargets[0]!, partner: { redirectUris: ['https://app.example.com/connected'] } })
    const res = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${t.partner.clientId}:${t.partner.clientSecret}`)}` },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: await t.sign({ sub: 'u-42' }),
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      }),
    })
    token = ((await res.json()) as { access_token: string }).access_token
  })
  afterAll(() => t?.close())

  it('shows the answer of its own example request, field for field', async () => {
    const request = JSON.parse(/\n(\{ "apps".*\})\n/.exec(doc)?.[1] ?? '{}') as Record<string, unknown>
    const res = await call(`${t.url}/v1/connect/links`, { method: 'POST', token, body: request })
    expect(res.status).toBe(201)
    expect(Object.keys(res.json).sort()).toEqual(Object.keys(example).sort())
    expect(Object.keys(res.json.link).sort()).toEqual(Object.keys(example.link).sort())
    expect(res.json.link).toMatchObject({ status: 'pending', apps: request.apps, custom_state: request.custom_state })
    expect(Date.parse(res.json.link.expires_at) - Date.parse(res.json.link.created_at)).toBe((request.expires_in as number) * 1000)
  })

  it('lists exactly the statuses the API filters by', async () => {
    const section = doc.slice(doc.indexOf('## Status'))
    const listed = [...section.slice(0, section.indexOf('\n\n', section.indexOf('| status |'))).matchAll(/^\| `([a-z]+)` \|/gm)].map(
      (m) => m[1],
    )
    expect(listed).toEqual(['pending', 'used', 'expired', 'revoked'])
    for (const status of listed) expect((await call(`${t.url}/v1/connect/links?status=${status}`, { token })).status).toBe(200)
    expect((await call(`${t.url}/v1/connect/links?status=opened`, { token })).status).toBe(400)
  })

  it('shows the headless answers and session statuses the OpenAPI document declares', async () => {
    const openapi = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, { properties: Record<string, { anyOf?: Array<{ const?: string; enum?: string[] }> }> }> }
    }
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] as string) as Record<string, unknown>)
    const authorization = blocks.find((b) => 'authorization_url' in b)
    expect(Object.keys(authorization ?? {}).sort()).toEqual(
      Object.keys(openapi.components.schemas.HeadlessAuthorization?.properties ?? {}).sort(),
    )
    const section = doc.slice(doc.indexOf('### Session status'))
    const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| status |')))
    const listed = [...table.matchAll(/^\| `([a-z]+)` \|/gm)].map((m) => m[1])
    const declared = (openapi.components.schemas.ConnectSessionStatus?.properties.status?.anyOf ?? []).flatMap((v) => v.enum ?? [v.const])
    expect(listed.sort()).toEqual(declared.sort())
  })

  it('answers an unknown token 404 and a revoked link 410, as its table says', async () => {
    expect((await http(`${t.url}/link?token=pbcl_unknown`)).status).toBe(404)
    const created = await call(`${t.url}/v1/connect/links`, { method: 'POST', token, body: {} })
    await call(`${t.url}/v1/connect/links/${created.json.link.id}`, { method: 'DELETE', token })
    const page = await http(created.json.url)
    expect(page.status).toBe(410)
    expect(page.text).toContain('This link was revoked')
  })
})

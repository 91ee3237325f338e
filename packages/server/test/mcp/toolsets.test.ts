import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/config.js'
import { syncPartners } from '../../src/partners/sync-config.js'
import { databaseTargets } from '../helpers/databases.js'
import { basicAuth } from '../helpers/token-request.js'
import { type RunSetup, startRunSetup } from '../runs/run-setup.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
type Json = any

describe.each(databaseTargets)('toolsets ($name)', (target) => {
  let s: RunSetup
  let auth: string

  const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${s.t.url}/v1/partner/toolsets${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'PUT'),
      headers: { authorization: auth, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, json: text ? (JSON.parse(text) as Json) : undefined }
  }

  beforeAll(async () => {
    s = await startRunSetup(target)
    auth = basicAuth(s.t.partner.clientId, s.t.partner.clientSecret)
  })
  afterAll(async () => {
    await s?.close()
  })

  it('creates, replaces, shows, lists and deletes a toolset through the partner API', async () => {
    const definition = { mode: 'direct', actions: ['tasks.get_task', { action: 'tasks.create_task', preset: { project: 'p1' } }] }
    const created = await api('/support', { body: definition })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ name: 'support', definition })
    expect((await api('/support', { body: { ...definition, connection: 'newest' } })).status).toBe(200)
    const shown = await api('/support')
    expect(shown.json).toMatchObject({
      mode: 'direct',
      actions: ['tasks.create_task', 'tasks.get_task'],
      definition: { connection: 'newest' },
    })
    expect((await api('')).json.data.map((t: Json) => t.name)).toEqual(['support'])
    expect((await api('/support', { method: 'DELETE' })).status).toBe(204)
    expect((await api('/support')).status).toBe(404)
    expect((await api('/support', { method: 'DELETE' })).status).toBe(404)
  })

  it('refuses a toolset that would surprise an agent, naming each problem, and stores nothing', async () => {
    const bad = await api('/broken', {
      body: {
        apps: ['nope'],
        actions: [
          'tasks.nope',
          { action: 'tasks.create_task', preset: { project: 3 }, hidden: ['title'] },
          { action: 'tasks.get_task', version: '2' },
          { action: 'tasks.list_many', hidden: ['fields', 'oops'], preset: { fields: {} } },
        ],
      },
    })
    expect(bad.status).toBe(400)
    expect(bad.json.error.code).toBe('PB_ERR_VALIDATION')
    for (const problem of [
      'apps: no app nope',
      'actions: tasks.nope: no such action',
      "actions: tasks.create_task: preset project does not match the input's schema",
      'actions: tasks.create_task: title is required, so it can be preset but not hidden',
      'actions: tasks.get_task: version 2 is not available (this server has 1.2.0)',
      'actions: tasks.list_many: fields is both preset and hidden',
      'actions: tasks.list_many: hidden oops is not an input of the action',
    ]) {
      expect(bad.json.error.message).toContain(problem)
    }
    expect((await api('/broken')).status).toBe(404)
    expect((await api('/empty', { body: {} })).json.error.message).toContain('name at least one app or action')
    expect((await api('/Bad Name', { body: { apps: ['tasks'] } })).status).toBe(400)
  })

  it('applies toolsets declared in the config file, and refuses a bad one with the config path', async () => {
    const { partners, toolsets } = s.t.server.services
    const declared = {
      id: 'configured',
      name: 'Configured partner',
      issuer: 'https://configured.example',
      audience: 'patchbay',
      algorithms: ['ES256' as const],
      jwks: {
        keys: [
          { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' },
        ],
      },
      userClaim: 'sub',
      clientSecretHash: 'sha256$47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU',
      redirectUris: [],
      allowedOrigins: [],
      toolsets: { agents: { mode: 'discovery' as const, apps: ['tasks'] } },
    }
    await syncPartners(partners, [declared], { toolsets })
    expect((await toolsets.get('configured', 'agents')).definition).toEqual({ mode: 'discovery', apps: ['tasks'] })
    const wrong = { ...declared, toolsets: { agents: { actions: ['tasks.nope'] } } }
    await expect(syncPartners(partners, [wrong], { toolsets })).rejects.toThrow(ConfigError)
    await expect(syncPartners(partners, [wrong], { toolsets })).rejects.toThrow(
      /partners\[0\]\.toolsets\.agents: .*tasks\.nope: no such action/,
    )
  })
})

describe('patchbay toolsets (CLI)', () => {
  const run = promisify(execFile)
  const cli = new URL('../../dist/cli.js', import.meta.url).pathname

  it('sets, lists, shows and deletes a partner toolset from a JSON file, checked like the API', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-toolsets-'))
    const { DATABASE_URL: _db, ...rest } = process.env
    const env = { ...rest, PATCHBAY_DATA_DIR: dir, PATCHBAY_LOG_LEVEL: 'warn', PATCHBAY_DEV: 'true' }
    const patchbay = async (...args: string[]) => {
      try {
        const { stdout } = await run(process.execPath, [cli, ...args], { env })
        return { code: 0, out: stdout }
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string }
        return { code: e.code, out: e.stdout + e.stderr }
      }
    }
    const partner = [
      '--id',
      'acme',
      '--name',
      'Acme',
      '--issuer',
      'https://p.example',
      '--audience',
      'patchbay',
      '--jwks-url',
      'https://p.example/jwks',
    ]
    expect((await patchbay('partner', 'create', ...partner)).code).toBe(0)
    const good = join(dir, 'good.json')
    writeFileSync(good, JSON.stringify({ mode: 'direct', actions: ['github.create_issue', 'github.get_issue'] }))
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ actions: ['github.nope'] }))
    expect(await patchbay('toolsets', 'set', 'acme', 'dev', good)).toMatchObject({
      code: 0,
      out: expect.stringContaining('"created": true'),
    })
    const refused = await patchbay('toolsets', 'set', 'acme', 'broken', bad)
    expect(refused.code).toBe(2)
    expect(refused.out).toContain('github.nope: no such action')
    expect((await patchbay('toolsets', 'list', 'acme')).out).toContain('"name": "dev"')
    expect((await patchbay('toolsets', 'show', 'acme', 'dev')).out).toContain('github.get_issue')
    expect((await patchbay('toolsets', 'delete', 'acme', 'dev')).code).toBe(0)
    expect((await patchbay('toolsets', 'show', 'acme', 'dev')).code).toBe(2)
    expect((await patchbay('toolsets', 'set', 'acme')).code).toBe(2)
  })
})

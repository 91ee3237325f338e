import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateWebhookSecret, webhookHeaders } from '../../src/webhooks/signing.js'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { attemptsOf, queueEvent, waitFor, waitForStatus } from '../helpers/webhooks.js'

const root = new URL('../../../../', import.meta.url)
const doc = readFileSync(new URL('docs/webhooks.md', root), 'utf8')
const examplePath = 'examples/webhooks/receiver.mjs'

describe('docs/webhooks.md', () => {
  let receiver: ChildProcess
  let receiverUrl: string
  let output = ''
  let t: TestServer
  const secret = generateWebhookSecret()

  beforeAll(async () => {
    receiver = spawn(process.execPath, [new URL(examplePath, root).pathname], {
      env: { ...process.env, WEBHOOK_SECRET: secret, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    receiver.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    receiverUrl = await waitFor(async () => /listening on (http:\/\/\S+)/.exec(output)?.[1], 'the example receiver to listen')
    t = await startTestServer({
      target: databaseTargets[0]!,
      partner: { webhookUrl: `${receiverUrl}/` },
      config: { 'webhooks.pollMs': 20 },
    })
    await t.server.services.webhookSecrets.set(t.partner.id, secret)
  })
  afterAll(async () => {
    await t?.close()
    receiver?.kill()
  })

  it('shows the verification example exactly as the file the tests run', () => {
    const shown = /<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)\n```\n<!-- \/example -->/.exec(doc)
    expect(shown?.[1]).toBe(examplePath)
    expect(shown?.[2]).toBe(readFileSync(new URL(examplePath, root), 'utf8').trimEnd())
  })

  it('runs the example receiver: it verifies and acknowledges a live delivery', async () => {
    const id = await queueEvent(t.server.services.database.db, t.partner.id, { connection: { id: 'conn_example' } })
    await waitForStatus(t.server.services.database.db, id, ['succeeded'])
    expect(output).toContain(JSON.stringify({ id, type: 'connection.created', connection: 'conn_example' }))
  })

  it('has the example receiver refuse a forged, tampered or stale request', async () => {
    const body = JSON.stringify({ type: 'connection.created', timestamp: new Date().toISOString(), data: {} })
    const post = (headers: Record<string, string>, text = body) =>
      fetch(`${receiverUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text })
    expect((await post(webhookHeaders(secret, 'evt_ok', body))).status).toBe(204)
    expect((await post(webhookHeaders(generateWebhookSecret(), 'evt_forged', body))).status).toBe(401)
    expect((await post(webhookHeaders(secret, 'evt_tampered', body), body.replace('created', 'deleted'))).status).toBe(401)
    expect((await post(webhookHeaders(secret, 'evt_stale', body, Date.now() - 600_000))).status).toBe(401)
    expect((await post({})).status).toBe(401)
  })

  it('shows a delivery signed with another secret failing at the receiver as a 401 attempt', async () => {
    const db = t.server.services.database.db
    await t.server.services.webhookSecrets.rotate(t.partner.id)
    const id = await queueEvent(db, t.partner.id)
    await waitFor(async () => (await attemptsOf(db, id)).length > 0, 'the first attempt')
    expect((await attemptsOf(db, id))[0]?.status_code).toBe(401)
  })
})

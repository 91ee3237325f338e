import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { waitFor } from '../../server/test/helpers/webhooks.js'
import { Patchbay } from '../src/index.js'
import { GOOD_STRIPE_KEY, type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

const run = promisify(execFile)
const root = new URL('../../../', import.meta.url)
const readme = readFileSync(new URL('packages/node/README.md', root), 'utf8')
const examples = [...readme.matchAll(/<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)\n```\n<!-- \/example -->/g)].map((m) => ({
  path: m[1] as string,
  code: m[2] as string,
}))

describe('packages/node/README.md examples', () => {
  let s: SdkSetup

  beforeAll(async () => {
    // `npm test` builds first; a bare `vitest run` may not have.
    if (!existsSync(new URL('packages/node/dist/index.js', root))) {
      await run('npx', ['tsc', '-p', new URL('packages/node/tsconfig.build.json', root).pathname])
    }
    s = await startSdkSetup(databaseTargets[0]!)
  })
  afterAll(() => s?.close())

  it('shows the example exactly as the file the test runs', () => {
    expect(examples.map((e) => e.path)).toEqual(['examples/node-sdk/quickstart.mjs', 'examples/node-sdk/operator.mjs'])
    for (const example of examples) expect(example.code).toBe(readFileSync(new URL(example.path, root), 'utf8').trimEnd())
  })

  it('runs examples/node-sdk/quickstart.mjs against a live server', async () => {
    const { stdout } = await run(process.execPath, [new URL('examples/node-sdk/quickstart.mjs', root).pathname], {
      env: {
        ...process.env,
        PATCHBAY_URL: s.t.url,
        CLIENT_ID: s.t.partner.clientId,
        CLIENT_SECRET: s.t.partner.clientSecret,
        PARTNER_PRIVATE_JWK: JSON.stringify(s.privateJwk),
        APP: 'fakestripe',
        API_KEY: GOOD_STRIPE_KEY,
      },
    })
    const lines = stdout.trim().split('\n')
    const link = lines.find((l) => l.startsWith('connect: '))?.slice('connect: '.length) ?? ''
    expect(link).toMatch(new RegExp(`^${s.t.url}/to/fakestripe\\?token=pbsc_`))
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(303)
    expect(lines.filter((l) => l.startsWith('connection: '))).toEqual([expect.stringMatching(/ fakestripe active billing@acme\.test$/)])
    const account = JSON.parse(lines.find((l) => l.startsWith('account: '))?.slice('account: '.length) ?? 'null')
    expect(account).toMatchObject({ email: 'billing@acme.test' })
  })

  it('runs examples/node-sdk/operator.mjs against a live server: every connection of a tenant, failed webhooks redelivered', async () => {
    // A webhook receiver that fails, with one attempt per event: the new connection's event ends `failed`.
    const failing = await startSdkSetup(databaseTargets[0]!, { 'webhooks.maxAttempts': 1 })
    try {
      failing.receiver.answer(() => ({ status: 500 }))
      const { patchbay } = failing.sdk()
      const connection = await patchbay
        .forUser({ userId: 'ada', tenantId: 'workspace-42' })
        .connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } })
      const event = await waitFor(async () => {
        const [failed] = (
          await new Patchbay({
            baseUrl: failing.t.url,
            clientId: failing.t.partner.clientId,
            clientSecret: failing.t.partner.clientSecret,
          }).partner.webhookEvents.list({ status: 'failed' })
        ).data
        return failed
      }, 'a failed webhook event')
      failing.receiver.answer(() => ({ status: 204 }))

      const { stdout } = await run(process.execPath, [new URL('examples/node-sdk/operator.mjs', root).pathname], {
        env: {
          ...process.env,
          PATCHBAY_URL: failing.t.url,
          CLIENT_ID: failing.t.partner.clientId,
          CLIENT_SECRET: failing.t.partner.clientSecret,
          TENANT: 'workspace-42',
        },
      })
      const lines = stdout.trim().split('\n')
      expect(lines).toEqual([
        `connection: ${connection.id} fakestripe active ada`,
        `redelivered: connection.created ${event.id}`,
        expect.stringMatching(/^error: PB_ERR_NOT_FOUND [0-9a-f-]{36}$/),
      ])
      await waitFor(async () => failing.receiver.hits().filter((h) => h.headers['webhook-id'] === event.id).length >= 2, 'the redelivery')
    } finally {
      await failing.close()
    }
  })
})

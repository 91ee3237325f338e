import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { GOOD_STRIPE_KEY, type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

const run = promisify(execFile)
const root = new URL('../../../', import.meta.url)
const readme = readFileSync(new URL('packages/node/README.md', root), 'utf8')
const examples = [...readme.matchAll(/<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)\n```\n<!-- \/example -->/g)].map((m) => ({
  path: m[1] as string,
  code: m[2] as string,
}))

describe('packages/node/README.md quick start', () => {
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
    expect(examples.map((e) => e.path)).toEqual(['examples/node-sdk/quickstart.mjs'])
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
})

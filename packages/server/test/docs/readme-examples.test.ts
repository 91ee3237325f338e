import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { exportJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'

const run = promisify(execFile)
const root = new URL('../../../../', import.meta.url)
const readme = readFileSync(new URL('README.md', root), 'utf8')

/** The code blocks the README marks with `<!-- example: path -->`, with the file they must equal. */
const examples = [...readme.matchAll(/<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)\n```\n<!-- \/example -->/g)].map((m) => ({
  path: m[1] as string,
  code: m[2] as string,
}))

describe('README examples', () => {
  let t: TestServer
  let env: Record<string, string>

  beforeAll(async () => {
    t = await startTestServer({ target: databaseTargets[0]!, inlineJwks: true })
    const privateJwk = { ...(await exportJWK(t.key.privateKey)), kid: t.key.kid, alg: t.key.alg }
    env = {
      ...(process.env as Record<string, string>),
      PATCHBAY_URL: t.url,
      CLIENT_ID: t.partner.clientId,
      CLIENT_SECRET: t.partner.clientSecret,
      PARTNER_PRIVATE_JWK: JSON.stringify(privateJwk),
    }
  })
  afterAll(() => t?.close())

  it('shows each example exactly as the file the tests run', () => {
    expect(examples.map((e) => e.path)).toEqual(['examples/token-exchange/exchange.sh', 'examples/token-exchange/exchange.mjs'])
    for (const example of examples) {
      expect(example.code).toBe(readFileSync(new URL(example.path, root), 'utf8').trimEnd())
    }
  })

  it('runs the curl example against a live server', async () => {
    const { stdout } = await run('bash', [new URL('examples/token-exchange/exchange.sh', root).pathname], {
      env: { ...env, PARTNER_JWT: await t.sign({ sub: 'user-123', org: 'workspace-42' }) },
    })
    expect(JSON.parse(stdout)).toMatchObject({ partner_id: 'acme', tenant_id: 'workspace-42', user_id: 'user-123' })
  })

  it('runs the Node example against a live server', async () => {
    const { stdout } = await run(process.execPath, [new URL('examples/token-exchange/exchange.mjs', root).pathname], { env })
    expect(JSON.parse(stdout)).toMatchObject({ partner_id: 'acme', tenant_id: 'workspace-42', user_id: 'user-123' })
  })
})

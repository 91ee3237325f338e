import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const cli = new URL('../../dist/cli.js', import.meta.url).pathname
if (!existsSync(cli)) throw new Error('packages/server/dist/cli.js is missing: run `npm run build` (npm test does it first)')

function env(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { DATABASE_URL: _db, ...rest } = process.env
  return { ...rest, PATCHBAY_DATA_DIR: dataDir, PATCHBAY_LOG_LEVEL: 'warn', ...extra }
}

async function patchbay(args: string[], dataDir: string, extra: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: env(dataDir, extra) })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1] as string)
      }
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)))
  })
}

describe('patchbay CLI', () => {
  const partnerArgs = ['--id', 'acme', '--name', 'Acme', '--issuer', 'https://p.example', '--audience', 'patchbay']

  it('creates a partner, shows its secret once, lists, updates, rotates and deletes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    const created = await patchbay(
      ['partner', 'create', ...partnerArgs, '--jwks-url', 'https://p.example/jwks', '--redirect-uri', 'https://p.example/cb'],
      dir,
    )
    expect(created.code).toBe(0)
    const partner = JSON.parse(created.stdout)
    expect(partner.client_secret).toMatch(/^pbsk_/)
    expect(partner.clientSecretHash).toBeUndefined()
    expect(partner.redirectUris).toEqual(['https://p.example/cb'])

    const again = await patchbay(['partner', 'create', ...partnerArgs, '--jwks-url', 'https://p.example/jwks'], dir)
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('already exists')

    const list = JSON.parse((await patchbay(['partner', 'list'], dir)).stdout)
    expect(list.map((p: { id: string }) => p.id)).toEqual(['acme'])
    expect(JSON.stringify(list)).not.toContain(partner.client_secret)

    const updated = JSON.parse((await patchbay(['partner', 'update', 'acme', '--allowed-origin', 'https://p.example'], dir)).stdout)
    expect(updated.allowedOrigins).toEqual(['https://p.example'])
    expect(updated.redirectUris).toEqual(['https://p.example/cb'])

    const rotated = JSON.parse((await patchbay(['partner', 'rotate-secret', 'acme'], dir)).stdout)
    expect(rotated.client_secret).toMatch(/^pbsk_/)
    expect(rotated.client_secret).not.toBe(partner.client_secret)

    expect((await patchbay(['partner', 'delete', 'acme'], dir)).code).toBe(0)
    expect((await patchbay(['partner', 'show', 'acme'], dir)).code).toBe(2)
  })

  it('should refuse a partner with a symmetric algorithm or no key source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    const hs = await patchbay(['partner', 'create', ...partnerArgs, '--jwks-url', 'https://p.example/jwks', '--algorithms', 'HS256'], dir)
    expect(hs.code).toBe(2)
    expect(hs.stderr).toContain('algorithms')
    const none = await patchbay(['partner', 'create', ...partnerArgs], dir)
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain('one of jwksUrl or jwks is required')
  })

  it('exits 78 with a clear message on a bad setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    const res = await patchbay(['start'], dir, { PATCHBAY_PORT: '70000' })
    expect(res.code).toBe(78)
    expect(res.stderr).toContain('port (PATCHBAY_PORT)')
  })

  it('starts with partners from a config file, serves /readyz, and shuts down gracefully on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    const secret = JSON.parse((await patchbay(['partner', 'new-secret'], dir)).stdout)
    const file = join(dir, 'patchbay.yaml')
    writeFileSync(
      file,
      [
        'partners:',
        '  - id: declared',
        '    name: Declared',
        '    issuer: https://p.example',
        '    audience: patchbay',
        '    jwksUrl: https://p.example/jwks',
        `    clientSecretHash: ${secret.clientSecretHash}`,
      ].join('\n'),
    )
    const child = spawn(process.execPath, [cli, 'start', '--dev'], {
      env: env(dir, { PATCHBAY_PORT: '0', PATCHBAY_CONFIG: file, PATCHBAY_LOG_LEVEL: 'info' }),
    })
    const url = await waitForListening(child)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const partners = JSON.parse((await patchbay(['partner', 'list'], dir)).stdout)
    expect(partners.map((p: { id: string }) => p.id)).toEqual(['declared'])
  })

  it('should refuse a new declared partner without a client secret hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    const file = join(dir, 'patchbay.json')
    writeFileSync(
      file,
      JSON.stringify({
        partners: [{ id: 'nohash', name: 'N', issuer: 'https://p.example', audience: 'a', jwksUrl: 'https://p.example/j' }],
      }),
    )
    const res = await patchbay(['start', '--dev'], dir, { PATCHBAY_PORT: '0', PATCHBAY_CONFIG: file })
    expect(res.code).toBe(78)
    expect(res.stderr).toContain('clientSecretHash is required')
  })

  it('stores a partner app client secret encrypted, and re-encrypts it under a new key with keys rotate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    const k1 = (await patchbay(['keys', 'generate'], dir)).stdout.trim()
    const k2 = (await patchbay(['keys', 'generate'], dir)).stdout.trim()
    expect(k1).toMatch(/^k\d{8}-[0-9a-f]{8}:[A-Za-z0-9+/]{43}=$/)
    const withK1 = { PATCHBAY_ENCRYPTION_KEYS: k1, GH_SECRET: 'gh-client-secret-value' }
    await patchbay(['partner', 'create', ...partnerArgs, '--jwks-url', 'https://p.example/jwks'], dir, withK1)
    const set = await patchbay(
      ['partner', 'app', 'acme', 'github', '--client-id', 'Iv1.abc', '--client-secret-env', 'GH_SECRET', '--scopes', 'repo,read:user'],
      dir,
      withK1,
    )
    expect(set.code).toBe(0)
    expect(JSON.parse(set.stdout)).toMatchObject({
      app: 'github',
      clientId: 'Iv1.abc',
      clientSecret: '(set)',
      scopes: ['repo', 'read:user'],
    })
    expect(readFileSync(join(dir, 'patchbay.sqlite')).includes('gh-client-secret-value')).toBe(false)

    const unknown = await patchbay(['partner', 'app', 'acme', 'nope'], dir, withK1)
    expect(unknown.code).toBe(2)
    const noKey = await patchbay(['partner', 'app', 'acme', 'github', '--client-id', 'x'], dir)
    expect(noKey.code).toBe(78)
    expect(noKey.stderr).toContain('keys generate')

    const rotated = await patchbay(['keys', 'rotate'], dir, { PATCHBAY_ENCRYPTION_KEYS: `${k2},${k1}` })
    expect(rotated.code).toBe(0)
    expect(JSON.parse(rotated.stdout).partner_apps).toMatchObject({ reencrypted: 1, failed: 0 })
    // The old key can go: everything now reads with the new one alone.
    const again = await patchbay(['partner', 'app', 'acme', 'github', '--scopes', 'repo'], dir, { PATCHBAY_ENCRYPTION_KEYS: k2 })
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ clientId: 'Iv1.abc', clientSecret: '(set)', scopes: ['repo'] })
  })
})

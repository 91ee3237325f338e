import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { listeningUrl } from '../helpers/listening-url.js'

const run = promisify(execFile)
/** Tests that run the CLI many times: each run is a Node start, slow on a loaded machine. */
const SEVERAL_PROCESSES_MS = 120_000
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

describe('patchbay CLI', () => {
  const partnerArgs = ['--id', 'acme', '--name', 'Acme', '--issuer', 'https://p.example', '--audience', 'patchbay']

  it(
    'creates a partner, shows its secret once, lists, updates, rotates and deletes it',
    async () => {
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
      // Timestamps in ISO 8601, as the REST API and webhooks print them (not epoch milliseconds).
      for (const at of [partner.createdAt, partner.updatedAt]) {
        expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
        expect(Math.abs(Date.parse(at) - Date.now())).toBeLessThan(60_000)
      }

      const again = await patchbay(['partner', 'create', ...partnerArgs, '--jwks-url', 'https://p.example/jwks'], dir)
      expect(again.code).toBe(2)
      expect(again.stderr).toContain('already exists')

      const list = JSON.parse((await patchbay(['partner', 'list'], dir)).stdout)
      expect(list.map((p: { id: string }) => p.id)).toEqual(['acme'])
      expect(list[0].createdAt).toBe(partner.createdAt)
      expect(JSON.stringify(list)).not.toContain(partner.client_secret)

      const updated = JSON.parse((await patchbay(['partner', 'update', 'acme', '--allowed-origin', 'https://p.example'], dir)).stdout)
      expect(updated.allowedOrigins).toEqual(['https://p.example'])
      expect(updated.redirectUris).toEqual(['https://p.example/cb'])

      const rotated = JSON.parse((await patchbay(['partner', 'rotate-secret', 'acme'], dir)).stdout)
      expect(rotated.client_secret).toMatch(/^pbsk_/)
      expect(rotated.client_secret).not.toBe(partner.client_secret)

      const unconfirmed = await patchbay(['partner', 'delete', 'acme'], dir)
      expect(unconfirmed.code).toBe(2)
      expect(unconfirmed.stderr).toContain('pass --yes to confirm')
      const deleted = await patchbay(['partner', 'delete', 'acme', '--yes'], dir)
      expect(deleted.code, deleted.stderr).toBe(0)
      expect(JSON.parse(deleted.stdout)).toEqual({ deleted: 'acme', connections: 0 })
      expect((await patchbay(['partner', 'show', 'acme'], dir)).code).toBe(2)
    },
    SEVERAL_PROCESSES_MS,
  )

  it('prints the OpenAPI document without a server, a database or keys (patchbay openapi)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    // A database URL nobody listens on: the document is built on a throwaway in-memory database instead.
    const out = await patchbay(['openapi'], dir, {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      PATCHBAY_PUBLIC_URL: 'https://patchbay.example',
    })
    expect(out.code, out.stderr).toBe(0)
    const doc = JSON.parse(out.stdout)
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.servers).toEqual([{ url: 'https://patchbay.example', description: 'This Patchbay' }])
    expect(doc.paths['/v1/connections'].get.operationId).toBe('listConnections')
    expect(doc.components.schemas.Error).toBeDefined()
    // Nothing was written where the configured data would live.
    expect(existsSync(join(dir, 'patchbay.sqlite'))).toBe(false)
    expect((await patchbay(['openapi', '--yaml'], dir)).code).toBe(2)
  })

  // util-linux `script` (Debian's essential bsdutils package) gives the CLI a terminal, as an
  // operator's shell would. No skip: CI counts a skip as a failure.
  it('partner delete asks for the partner id on a terminal and deletes only when it is typed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    expect((await patchbay(['partner', 'create', ...partnerArgs, '--jwks-url', 'https://p.example/jwks'], dir)).code).toBe(0)
    const onTerminal = (answer: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn('/usr/bin/script', ['-qec', `"${process.execPath}" "${cli}" partner delete acme`, '/dev/null'], {
          env: env(dir),
        })
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
        child.once('exit', (code) => resolve({ code, out }))
        child.stdin.end(`${answer}\n`)
      })
    const wrong = await onTerminal('acm')
    expect(wrong.out).toContain('This deletes partner acme and its 0 connections')
    expect(wrong.out).toContain('not confirmed; nothing was deleted')
    expect(wrong.code).toBe(2)
    expect((await patchbay(['partner', 'show', 'acme'], dir)).code).toBe(0)
    const right = await onTerminal('acme')
    expect(right.code, right.out).toBe(0)
    expect(right.out).toContain('"deleted": "acme"')
    expect((await patchbay(['partner', 'show', 'acme'], dir)).code).toBe(2)
  })

  it(
    'refuses a partner with a symmetric algorithm or no key source',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
      const hs = await patchbay(['partner', 'create', ...partnerArgs, '--jwks-url', 'https://p.example/jwks', '--algorithms', 'HS256'], dir)
      expect(hs.code).toBe(2)
      expect(hs.stderr).toContain('algorithms')
      const none = await patchbay(['partner', 'create', ...partnerArgs], dir)
      expect(none.code).not.toBe(0)
      expect(none.stderr).toContain('one of jwksUrl or jwks is required')
    },
    SEVERAL_PROCESSES_MS,
  )

  it('exits 78 with a clear message on a bad setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    const res = await patchbay(['start'], dir, { PATCHBAY_PORT: '70000' })
    expect(res.code).toBe(78)
    expect(res.stderr).toContain('port (PATCHBAY_PORT)')
  })

  it(
    'does not echo a secret in a configuration error – key material, database password, secret-named settings',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
      const material = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZn'
      const badKey = await patchbay(['start'], dir, { PATCHBAY_ENCRYPTION_KEYS: `kbad:${material.slice(0, 43)}!` })
      expect(badKey.code).toBe(78)
      expect(badKey.stderr).toContain('encryptionKeys.0 (PATCHBAY_ENCRYPTION_KEYS)')
      expect(badKey.stdout + badKey.stderr).not.toContain(material.slice(0, 43))

      const badUrl = await patchbay(['start', '--dev'], dir, { DATABASE_URL: 'mysql://admin:hunter2-db-password@db.internal/patchbay' })
      expect(badUrl.code).toBe(78)
      expect(badUrl.stderr).toContain('databaseUrl (DATABASE_URL)')
      expect(badUrl.stdout + badUrl.stderr).not.toContain('hunter2-db-password')

      const file = join(dir, 'patchbay.json')
      writeFileSync(
        file,
        JSON.stringify({
          port: 'not-a-port',
          partners: [
            { id: 'acme', name: 'A', issuer: 'i', audience: 'a', jwksUrl: 'https://p.example/j', clientSecretHash: 'plain-secret-value' },
          ],
          webhoks: { signingSecret: 'whsec_typo-in-the-key-name' },
        }),
      )
      const inFile = await patchbay(['config', 'check'], dir, { PATCHBAY_CONFIG: file })
      expect(inFile.code).toBe(78)
      expect(inFile.stderr).toContain('partners.0.clientSecretHash')
      expect(inFile.stderr).toContain('webhoks')
      // Non-secret values are still shown.
      expect(inFile.stderr).toContain('not-a-port')
      for (const secret of ['plain-secret-value', 'whsec_typo-in-the-key-name']) expect(inFile.stdout + inFile.stderr).not.toContain(secret)

      writeFileSync(file, `{ "encryptionKeys": ["k1:${material.slice(0, 43)}="], oops }`)
      const broken = await patchbay(['config', 'check'], dir, { PATCHBAY_CONFIG: file })
      expect(broken.code).toBe(78)
      expect(broken.stderr).toContain('not valid JSON')
      expect(broken.stdout + broken.stderr).not.toContain(material.slice(0, 43))
    },
    SEVERAL_PROCESSES_MS,
  )

  it(
    'config check refuses what start refuses – bad CIDR range, invalid custom app, partner without JWKS – exit 78, no stack',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
      const partner = { id: 'nojwks', name: 'N', issuer: 'https://p.example', audience: 'a', clientSecretHash: `sha256$${'A'.repeat(43)}` }
      const cases: Array<[object, string]> = [
        [
          { outbound: { allowPrivateRanges: ['10.0.0.0/99'] } },
          'outbound.allowPrivateRanges.0 (PATCHBAY_OUTBOUND_ALLOW_PRIVATE): "10.0.0.0/99"',
        ],
        [{ apps: [{ key: 'internal' }] }, 'apps.0.name: is required'],
        [{ partners: [partner] }, 'partners.0 (nojwks): one of jwksUrl or jwks is required'],
      ]
      for (const [content, message] of cases) {
        const file = join(dir, 'patchbay.json')
        writeFileSync(file, JSON.stringify(content))
        for (const args of [
          ['config', 'check', '--dev'],
          ['start', '--dev'],
        ]) {
          const res = await patchbay(args, dir, { PATCHBAY_CONFIG: file, PATCHBAY_PORT: '0' })
          expect({ args, code: res.code }).toEqual({ args, code: 78 })
          expect(res.stderr).toContain(message)
          expect(res.stderr).not.toMatch(/^\s+at /m)
        }
      }
      // Outside development mode, config check wants a key just as start does.
      const noKey = await patchbay(['config', 'check'], dir)
      expect(noKey.code).toBe(78)
      expect(noKey.stderr).toContain('patchbay keys generate')
      const key = (await patchbay(['keys', 'generate'], dir)).stdout.trim()
      const ok = await patchbay(['config', 'check'], dir, {
        PATCHBAY_ENCRYPTION_KEYS: key,
        DATABASE_URL: 'postgres://admin:pw-in-userinfo@db.internal/patchbay?password=pw-in-query',
      })
      expect(ok.code, ok.stderr).toBe(0)
      expect(JSON.parse(ok.stdout).encryptionKeys[0]).toMatch(/:\*\*\*$/)
      expect(JSON.parse(ok.stdout).databaseUrl).toBe('postgres://***@db.internal/patchbay?***')
      for (const secret of [key.split(':')[1] as string, 'pw-in-userinfo', 'pw-in-query'])
        expect(ok.stdout + ok.stderr).not.toContain(secret)
    },
    SEVERAL_PROCESSES_MS,
  )

  it('prints its version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'))
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    const res = await patchbay(['--version'], dir)
    expect(res).toMatchObject({ code: 0, stdout: `${manifest.version}\n` })
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
    const { url } = await listeningUrl(child)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const partners = JSON.parse((await patchbay(['partner', 'list'], dir)).stdout)
    expect(partners.map((p: { id: string }) => p.id)).toEqual(['declared'])
  })

  it('refuses a new declared partner without a client secret hash', async () => {
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

  it(
    'stores a partner app client secret encrypted, and re-encrypts it under a new key with keys rotate',
    async () => {
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

      // A key that cannot open what is stored: start refuses, naming key ids, never key material.
      const k3 = (await patchbay(['keys', 'generate'], dir)).stdout.trim()
      const wrongKey = await patchbay(['start'], dir, { PATCHBAY_ENCRYPTION_KEYS: k3, PATCHBAY_PORT: '0' })
      expect(wrongKey.code).toBe(78)
      expect(wrongKey.stderr).toContain(`partner_apps: rows are stored under key id "${k2.split(':')[0]}", not configured`)
      for (const key of [k1, k2, k3]) expect(wrongKey.stdout + wrongKey.stderr).not.toContain(key.split(':')[1])
    },
    SEVERAL_PROCESSES_MS,
  )
})

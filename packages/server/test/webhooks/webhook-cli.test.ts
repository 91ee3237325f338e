import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/database.js'
import { generateEncryptionKey } from '../../src/vault/key-setup.js'
import { Vault } from '../../src/vault/vault.js'
import { WebhookSecrets } from '../../src/webhooks/webhook-secrets.js'

const run = promisify(execFile)
const cli = new URL('../../dist/cli.js', import.meta.url).pathname
if (!existsSync(cli)) throw new Error('packages/server/dist/cli.js is missing: run `npm run build` (npm test does it first)')

async function patchbay(args: string[], dataDir: string, extra: Record<string, string> = {}) {
  const { DATABASE_URL: _db, PATCHBAY_ENCRYPTION_KEYS: _keys, PATCHBAY_DEV: _dev, ...rest } = process.env
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...rest, PATCHBAY_DATA_DIR: dataDir, PATCHBAY_LOG_LEVEL: 'warn', ...extra },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

async function storedSecret(dataDir: string, key: string, partnerId: string): Promise<string | undefined> {
  const database = openDatabase({ dataDir })
  try {
    return await new WebhookSecrets(database.db, Vault.fromKeys([key])).get(partnerId)
  } finally {
    await database.close()
  }
}

// Each command is a process of its own (a few seconds each on a busy machine).
describe('patchbay partner webhook secrets (CLI)', { timeout: 120_000 }, () => {
  const partner = (id: string) => [
    '--id',
    id,
    '--name',
    id,
    '--issuer',
    `https://${id}.example`,
    '--audience',
    'patchbay',
    '--jwks-url',
    `https://${id}.example/jwks`,
  ]

  it('prints a webhook secret once on create with --webhook-url, stores it encrypted, and rotates it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-webhooks-'))
    const key = generateEncryptionKey()
    const keys = { PATCHBAY_ENCRYPTION_KEYS: key }
    try {
      const created = await patchbay(['partner', 'create', ...partner('acme'), '--webhook-url', 'https://acme.example/hooks'], dir, keys)
      expect(created.code, created.stderr).toBe(0)
      const out = JSON.parse(created.stdout)
      expect(out.client_secret).toMatch(/^pbsk_/)
      expect(out.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
      expect(out.webhookUrl).toBe('https://acme.example/hooks')
      expect(created.stderr).toContain('webhook secret are shown only now')
      expect(await storedSecret(dir, key, 'acme')).toBe(out.webhook_secret)

      // `show` never prints it again.
      const shown = await patchbay(['partner', 'show', 'acme'], dir, keys)
      expect(shown.stdout).not.toContain(out.webhook_secret)
      expect(shown.stdout).not.toContain('whsec_')

      const rotated = await patchbay(['partner', 'webhook-secret', 'acme'], dir, keys)
      expect(rotated.code, rotated.stderr).toBe(0)
      const next = JSON.parse(rotated.stdout)
      expect(next).toEqual({ id: 'acme', webhook_secret: expect.stringMatching(/^whsec_/) })
      expect(next.webhook_secret).not.toBe(out.webhook_secret)
      expect(await storedSecret(dir, key, 'acme')).toBe(next.webhook_secret)

      const missing = await patchbay(['partner', 'webhook-secret', 'nobody'], dir, keys)
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain('partner nobody not found')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('creates a partner without a webhook URL as before (no key needed), and gives it a secret with its first URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-webhooks-'))
    const key = generateEncryptionKey()
    try {
      const created = await patchbay(['partner', 'create', ...partner('globex')], dir)
      expect(created.code, created.stderr).toBe(0)
      expect(JSON.parse(created.stdout).webhook_secret).toBeUndefined()

      // Outside development mode a secret cannot be stored without an encryption key.
      const noKey = await patchbay(['partner', 'webhook-secret', 'globex'], dir)
      expect(noKey.code).toBe(78)

      const updated = await patchbay(['partner', 'update', 'globex', '--webhook-url', 'https://globex.example/hooks'], dir, {
        PATCHBAY_ENCRYPTION_KEYS: key,
      })
      expect(updated.code, updated.stderr).toBe(0)
      const secret = JSON.parse(updated.stdout).webhook_secret
      expect(secret).toMatch(/^whsec_/)
      // A later URL change keeps the secret.
      const again = await patchbay(['partner', 'update', 'globex', '--webhook-url', 'https://globex.example/v2'], dir, {
        PATCHBAY_ENCRYPTION_KEYS: key,
      })
      expect(JSON.parse(again.stdout).webhook_secret).toBeUndefined()
      expect(await storedSecret(dir, key, 'globex')).toBe(secret)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const pkgDir = new URL('../', import.meta.url)
const pkg = JSON.parse(readFileSync(new URL('package.json', pkgDir), 'utf8'))

/** Imports by package name, through `exports` (the built dist), without the type checker needing dist. */
const load = (specifier: string) => import(specifier) as Promise<Record<string, unknown>>

describe('@patchbay/node package', () => {
  beforeAll(async () => {
    if (!existsSync(new URL('dist/index.js', pkgDir))) await run('npx', ['tsc', '-p', new URL('tsconfig.build.json', pkgDir).pathname])
  })

  it('has no runtime dependencies and no side effects', () => {
    expect(pkg.name).toBe('@patchbay/node')
    expect(pkg.type).toBe('module')
    expect(pkg.dependencies ?? {}).toEqual({})
    // Only `@patchbay/node/testing` uses the catalog package (a partner writing actions has it already).
    expect(pkg.peerDependencies).toEqual({ '@patchbay/catalog': '0.1.0' })
    expect(pkg.peerDependenciesMeta).toEqual({ '@patchbay/catalog': { optional: true } })
    expect(pkg.sideEffects).toBe(false)
  })

  it('exposes the documented entry points by package name', async () => {
    const main = await load('@patchbay/node')
    expect(Object.keys(main).sort()).toEqual(
      [
        'ACCESS_TOKEN_TYPE',
        'CONNECT_SESSION_TOKEN_TYPE',
        'CredentialRevokedError',
        'JWT_TOKEN_TYPE',
        'MAX_JWT_LIFETIME_SECONDS',
        'OAuthError',
        'Patchbay',
        'PatchbayError',
        'PatchbayUser',
        'TERMINAL_RUN_STATUSES',
        'TOKEN_EXCHANGE_GRANT',
        'WebhookVerificationError',
        'errorCodes',
        'isApiErrorCode',
        'verifyWebhook',
      ].sort(),
    )
    const webhooks = await load('@patchbay/node/webhooks')
    expect(Object.keys(webhooks).sort()).toEqual(['WebhookVerificationError', 'verifyWebhook'])
    expect(webhooks.verifyWebhook).toBe(main.verifyWebhook)
    const testing = await load('@patchbay/node/testing')
    expect(Object.keys(testing).sort()).toEqual(['replayFixtures', 'startFixtureFake'])
    const errors = await load('@patchbay/node/errors')
    expect(errors.CredentialRevokedError).toBe(main.CredentialRevokedError)
  })
})

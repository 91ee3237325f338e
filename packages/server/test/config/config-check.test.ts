import { describe, expect, it } from 'vitest'
import { checkConfig } from '../../src/config/config-check.js'
import { ConfigError, loadConfig } from '../../src/config/config.js'
import { generateEncryptionKey } from '../../src/vault/key-setup.js'

const partner = { id: 'acme', name: 'Acme', issuer: 'https://p.example', audience: 'patchbay', jwksUrl: 'https://p.example/jwks' }

function problems(overrides: Record<string, unknown>, env: Record<string, string> = {}): string {
  const config = loadConfig({}, { devMode: true, dataDir: ':memory:', ...overrides })
  try {
    checkConfig(config, env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  return ''
}

describe('checkConfig', () => {
  it('accepts a configuration start accepts', () => {
    expect(problems({ partners: [partner], 'outbound.allowPrivateRanges': ['127.0.0.0/8', '::1'] })).toBe('')
    expect(problems({ devMode: false, encryptionKeys: [generateEncryptionKey()] })).toBe('')
  })

  it('lists every problem in one error – key, CIDR range, custom app, partners', () => {
    const message = problems({
      devMode: false,
      'outbound.allowPrivateRanges': ['10.0.0.0/8', 'not-a-range'],
      apps: [{ key: 'internal', name: 'Internal' }],
      partners: [
        { ...partner, jwksUrl: undefined },
        { ...partner, id: 'other', clientId: 'acme', jwks: { keys: [{ kty: 'EC' }] } },
      ],
    })
    expect(message).toMatch(/^invalid configuration:\n/)
    expect(message).toContain('encryptionKeys (PATCHBAY_ENCRYPTION_KEYS) is required outside development mode')
    expect(message).toContain(
      'outbound.allowPrivateRanges.1 (PATCHBAY_OUTBOUND_ALLOW_PRIVATE): "not-a-range" is not an IP address or CIDR range',
    )
    expect(message).toContain('apps.0.description: is required')
    expect(message).toContain('partners.0 (acme): one of jwksUrl or jwks is required')
    expect(message).toContain('partners.1 (other): clientId acme is also partner acme')
  })

  it('checks the environment variables partners name, never quoting their values', () => {
    const declared = [
      { ...partner, webhookSecretEnv: 'ACME_WEBHOOK_SECRET', apps: { github: { clientId: 'x', clientSecretEnv: 'GH_SECRET' } } },
    ]
    const message = problems({ partners: declared }, { ACME_WEBHOOK_SECRET: 'not-a-whsec-value' })
    expect(message).toContain('partners.0 (acme).webhookSecretEnv: ACME_WEBHOOK_SECRET must hold "whsec_"')
    expect(message).toContain('partners.0 (acme).apps.github.clientSecretEnv: environment variable GH_SECRET is not set')
    expect(message).not.toContain('not-a-whsec-value')
  })
})

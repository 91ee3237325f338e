import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, configEnvVars, loadConfig } from '../../src/config/config.js'

describe('loadConfig', () => {
  it('applies defaults with no environment at all', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, dataDir: '.patchbay', devMode: false, sessionTtl: 600 })
    expect(config.publicUrl).toBe('http://127.0.0.1:3000')
    expect(config.jwks.staleMax).toBe(21600)
  })

  it('reads environment variables, nested ones included', () => {
    const config = loadConfig({
      PATCHBAY_PORT: '8080',
      PATCHBAY_DEV: 'true',
      PATCHBAY_JWKS_STALE_MAX: '60',
      PATCHBAY_OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8, ::1',
      PATCHBAY_PUBLIC_URL: 'https://connect.example.com/',
    })
    expect(config.port).toBe(8080)
    expect(config.devMode).toBe(true)
    expect(config.jwks.staleMax).toBe(60)
    expect(config.outbound.allowPrivateRanges).toEqual(['127.0.0.0/8', '::1'])
    expect(config.publicUrl).toBe('https://connect.example.com')
  })

  it('reads PATCHBAY_TRUST_PROXY as a flag, a hop count or a list of proxy addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false)
    expect(loadConfig({ PATCHBAY_TRUST_PROXY: 'true' }).trustProxy).toBe(true)
    expect(loadConfig({ PATCHBAY_TRUST_PROXY: '1' }).trustProxy).toBe(1)
    expect(loadConfig({ PATCHBAY_TRUST_PROXY: '0' }).trustProxy).toBe(false)
    expect(loadConfig({ PATCHBAY_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1'])
  })

  it('refuses a bad value and names the setting and its variable', () => {
    expect(() => loadConfig({ PATCHBAY_PORT: 'abc' })).toThrow(ConfigError)
    expect(() => loadConfig({ PATCHBAY_PORT: 'abc' })).toThrow(/port \(PATCHBAY_PORT\): Expected integer \(got "abc"\)/)
    expect(() => loadConfig({ PATCHBAY_LOG_LEVEL: 'loud' })).toThrow(/logLevel \(PATCHBAY_LOG_LEVEL\)/)
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/databaseUrl \(DATABASE_URL\)/)
    expect(() => loadConfig({ PATCHBAY_DEV: 'maybe' })).toThrow(/devMode/)
  })

  it('refuses a partner that allows a symmetric algorithm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-config-'))
    const file = join(dir, 'patchbay.yaml')
    writeFileSync(
      file,
      'partners:\n  - id: acme\n    name: Acme\n    issuer: https://p.example\n    audience: patchbay\n    jwksUrl: https://p.example/jwks\n    algorithms: [HS256]\n',
    )
    expect(() => loadConfig({ PATCHBAY_CONFIG: file })).toThrow(/partners\.0\.algorithms\.0/)
  })

  it('reads a YAML config file and lets the environment win over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-config-'))
    const file = join(dir, 'patchbay.yaml')
    writeFileSync(file, 'port: 4000\nsessionTtl: 120\njwt:\n  clockSkew: 5\n')
    const config = loadConfig({ PATCHBAY_CONFIG: file, PATCHBAY_PORT: '4001' })
    expect(config.port).toBe(4001)
    expect(config.sessionTtl).toBe(120)
    expect(config.jwt.clockSkew).toBe(5)
  })

  it('refuses unknown keys and unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-config-'))
    const file = join(dir, 'patchbay.json')
    writeFileSync(file, JSON.stringify({ prot: 1 }))
    expect(() => loadConfig({ PATCHBAY_CONFIG: file })).toThrow(/invalid configuration/)
    expect(() => loadConfig({ PATCHBAY_CONFIG: join(dir, 'missing.yaml') })).toThrow(/cannot read config file/)
    writeFileSync(file, '{ not json')
    expect(() => loadConfig({ PATCHBAY_CONFIG: file })).toThrow(/not valid JSON/)
  })

  it('documents every environment variable in the README configuration reference', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')
    const table = readme.split('<!-- config-reference -->')[1]?.split('<!-- /config-reference -->')[0] ?? ''
    for (const { name, path } of configEnvVars) {
      expect(table, name).toContain(`| \`${name}\` | \`${path}\` |`)
    }
  })
})

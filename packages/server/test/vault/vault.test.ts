import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { connectionCredentialsAad, oauthFlowSecretsAad, partnerAppSecretAad } from '../../src/vault/associated-data.js'
import { generateEncryptionKey } from '../../src/vault/key-setup.js'
import { Vault, VaultError, type VaultErrorCode } from '../../src/vault/vault.js'

const keyA = generateEncryptionKey()
const keyB = generateEncryptionKey()
const kidOf = (entry: string) => entry.slice(0, entry.indexOf(':'))
const materialOf = (entry: string) => entry.slice(entry.indexOf(':') + 1)

const aad = connectionCredentialsAad('acme', 'conn_1')
const secret = JSON.stringify({ access_token: 'ya29.secret', refresh_token: '1//refresh' })

function vaultError(fn: () => unknown): VaultError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(VaultError)
    return err as VaultError
  }
  throw new Error('expected a VaultError, nothing was thrown')
}

function expectCode(fn: () => unknown, code: VaultErrorCode): VaultError {
  const err = vaultError(fn)
  expect(err.code).toBe(code)
  return err
}

/** Splits a ciphertext, lets `edit` change one part, and joins it again. */
function tamper(ciphertext: string, edit: (parts: string[]) => void): string {
  const parts = ciphertext.split('.')
  edit(parts)
  return parts.join('.')
}

function flipBit(b64url: string, index: number): string {
  const bytes = Buffer.from(b64url, 'base64url')
  const at = index < 0 ? bytes.length + index : index
  bytes[at] = (bytes[at] as number) ^ 0x01
  return bytes.toString('base64url')
}

describe('Vault.encrypt / decrypt', () => {
  const vault = Vault.fromKeys([keyA])

  it('round-trips text, empty text and non-ASCII text', () => {
    for (const plaintext of [secret, '', 'pässwörd ✓ 🔑', 'x'.repeat(10_000)]) {
      expect(vault.decrypt(vault.encrypt(plaintext, aad), aad)).toBe(plaintext)
    }
  })

  it('round-trips JSON with encryptJson / decryptJson', () => {
    const value = { access_token: 'a', expires_in: 3600, scopes: ['x', 'y'], nested: { ok: true } }
    expect(vault.decryptJson(vault.encryptJson(value, aad), aad)).toEqual(value)
  })

  it('writes pbv1.<kid>.<12-byte iv>.<ciphertext+16-byte tag>, in base64url, naming the active key', () => {
    const ciphertext = vault.encrypt('hello', aad)
    const [format, kid, iv, body, ...rest] = ciphertext.split('.')
    expect(format).toBe('pbv1')
    expect(kid).toBe(kidOf(keyA))
    expect(rest).toEqual([])
    expect(Buffer.from(iv as string, 'base64url')).toHaveLength(12)
    expect(Buffer.from(body as string, 'base64url')).toHaveLength(5 + 16)
    expect(ciphertext).toMatch(/^pbv1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/)
    expect(ciphertext).not.toContain('hello')
  })

  it('gives two encryptions of the same plaintext different IVs and ciphertexts', () => {
    const one = vault.encrypt(secret, aad)
    const two = vault.encrypt(secret, aad)
    expect(one).not.toBe(two)
    expect(one.split('.')[2]).not.toBe(two.split('.')[2])
    expect(one.split('.')[3]).not.toBe(two.split('.')[3])
  })

  it('decrypts with a vault built again from the same key entry (another process)', () => {
    expect(Vault.fromKeys([keyA]).decrypt(vault.encrypt(secret, aad), aad)).toBe(secret)
  })

  it('refuses empty associated data', () => {
    expect(() => vault.encrypt(secret, '')).toThrow(TypeError)
    expect(() => vault.decrypt(vault.encrypt(secret, aad), '')).toThrow(TypeError)
  })
})

describe('Vault associated data', () => {
  const vault = Vault.fromKeys([keyA])
  const stored = vault.encrypt(secret, connectionCredentialsAad('acme', 'conn_1'))

  it('does not decrypt credentials moved to another connection of the same partner – PB_VAULT_AUTH_FAILED', () => {
    expectCode(() => vault.decrypt(stored, connectionCredentialsAad('acme', 'conn_2')), 'PB_VAULT_AUTH_FAILED')
  })

  it('does not decrypt credentials moved to another partner – PB_VAULT_AUTH_FAILED', () => {
    expectCode(() => vault.decrypt(stored, connectionCredentialsAad('globex', 'conn_1')), 'PB_VAULT_AUTH_FAILED')
  })

  it('does not decrypt a value moved to another field – PB_VAULT_AUTH_FAILED', () => {
    expectCode(() => vault.decrypt(stored, partnerAppSecretAad('acme', 'conn_1')), 'PB_VAULT_AUTH_FAILED')
    expectCode(() => vault.decrypt(stored, oauthFlowSecretsAad('acme', 'conn_1')), 'PB_VAULT_AUTH_FAILED')
    const appSecret = vault.encrypt('client-secret', partnerAppSecretAad('acme', 'github'))
    expectCode(() => vault.decrypt(appSecret, connectionCredentialsAad('acme', 'github')), 'PB_VAULT_AUTH_FAILED')
  })

  it('builds the documented associated-data strings', () => {
    expect(connectionCredentialsAad('acme', 'con_x')).toBe('connection:acme:con_x:credentials')
    expect(partnerAppSecretAad('acme', 'github')).toBe('partner_app:acme:github:client_secret')
    expect(oauthFlowSecretsAad('cs_1', 'sha256$abc')).toBe('oauth_flow:cs_1:sha256$abc:secrets')
  })

  it('refuses components that are empty or hold ":" (no ambiguous associated data)', () => {
    expect(() => connectionCredentialsAad('a:b', 'c')).toThrow(TypeError)
    expect(() => connectionCredentialsAad('a', 'b:c')).toThrow(TypeError)
    expect(() => partnerAppSecretAad('', 'github')).toThrow(/partnerId/)
    expect(() => oauthFlowSecretsAad('cs_1', '')).toThrow(/stateHash/)
  })
})

describe('Vault tampering', () => {
  const vault = Vault.fromKeys([keyA, keyB])
  const stored = vault.encrypt(secret, aad)

  it('does not decrypt with a modified IV – PB_VAULT_AUTH_FAILED', () => {
    expectCode(
      () =>
        vault.decrypt(
          tamper(stored, (p) => (p[2] = flipBit(p[2] as string, 0))),
          aad,
        ),
      'PB_VAULT_AUTH_FAILED',
    )
  })

  it('does not decrypt with a modified ciphertext – PB_VAULT_AUTH_FAILED', () => {
    expectCode(
      () =>
        vault.decrypt(
          tamper(stored, (p) => (p[3] = flipBit(p[3] as string, 0))),
          aad,
        ),
      'PB_VAULT_AUTH_FAILED',
    )
  })

  it('does not decrypt with a modified tag – PB_VAULT_AUTH_FAILED', () => {
    expectCode(
      () =>
        vault.decrypt(
          tamper(stored, (p) => (p[3] = flipBit(p[3] as string, -1))),
          aad,
        ),
      'PB_VAULT_AUTH_FAILED',
    )
  })

  it('does not decrypt with the tag cut off – PB_VAULT_MALFORMED or PB_VAULT_AUTH_FAILED', () => {
    const short = tamper(
      stored,
      (p) =>
        (p[3] = Buffer.from(p[3] as string, 'base64url')
          .subarray(0, 10)
          .toString('base64url')),
    )
    expectCode(() => vault.decrypt(short, aad), 'PB_VAULT_MALFORMED')
    const truncated = tamper(
      stored,
      (p) =>
        (p[3] = Buffer.from(p[3] as string, 'base64url')
          .subarray(0, -1)
          .toString('base64url')),
    )
    expectCode(() => vault.decrypt(truncated, aad), 'PB_VAULT_AUTH_FAILED')
  })

  it('does not decrypt when the kid is switched to another key of the ring – PB_VAULT_AUTH_FAILED', () => {
    expectCode(
      () =>
        vault.decrypt(
          tamper(stored, (p) => (p[1] = kidOf(keyB))),
          aad,
        ),
      'PB_VAULT_AUTH_FAILED',
    )
  })

  it('does not decrypt when the kid is switched to an unknown one – PB_VAULT_UNKNOWN_KEY', () => {
    expectCode(
      () =>
        vault.decrypt(
          tamper(stored, (p) => (p[1] = 'k-nope')),
          aad,
        ),
      'PB_VAULT_UNKNOWN_KEY',
    )
  })

  it('does not decrypt when the format version is changed – PB_VAULT_MALFORMED', () => {
    expectCode(
      () =>
        vault.decrypt(
          tamper(stored, (p) => (p[0] = 'pbv2')),
          aad,
        ),
      'PB_VAULT_MALFORMED',
    )
  })

  it('does not decrypt with a 16-byte IV (a valid IV of the wrong size) – PB_VAULT_MALFORMED', () => {
    expectCode(
      () =>
        vault.decrypt(
          tamper(stored, (p) => (p[2] = randomBytes(16).toString('base64url'))),
          aad,
        ),
      'PB_VAULT_MALFORMED',
    )
  })

  it('does not accept padded or non-canonical base64 in the parts – PB_VAULT_MALFORMED', () => {
    expectCode(() => vault.decrypt(`${stored}=`, aad), 'PB_VAULT_MALFORMED')
    expectCode(
      () =>
        vault.decrypt(
          tamper(stored, (p) => (p[2] = `${p[2]}==`)),
          aad,
        ),
      'PB_VAULT_MALFORMED',
    )
    expectCode(
      () =>
        vault.decrypt(
          tamper(stored, (p) => (p[3] = `${(p[3] as string).slice(0, -1)}+`)),
          aad,
        ),
      'PB_VAULT_MALFORMED',
    )
  })
})

describe('Vault key ring', () => {
  it('does not decrypt a ciphertext made with a key that is not in the ring – PB_VAULT_UNKNOWN_KEY', () => {
    const stored = Vault.fromKeys([keyA]).encrypt(secret, aad)
    const err = expectCode(() => Vault.fromKeys([keyB]).decrypt(stored, aad), 'PB_VAULT_UNKNOWN_KEY')
    expect(err.message).toContain(kidOf(keyA))
  })

  it('encrypts with the first key and decrypts with every key', () => {
    const old = Vault.fromKeys([keyA]).encrypt(secret, aad)
    const ring = Vault.fromKeys([keyB, keyA])
    expect(ring.activeKeyId).toBe(kidOf(keyB))
    expect(ring.keyIds).toEqual([kidOf(keyB), kidOf(keyA)])
    expect(ring.decrypt(old, aad)).toBe(secret)
    expect(ring.keyIdOf(ring.encrypt(secret, aad))).toBe(kidOf(keyB))
  })

  it('needsRotation is true only for ciphertexts under another key than the active one', () => {
    const old = Vault.fromKeys([keyA]).encrypt(secret, aad)
    const ring = Vault.fromKeys([keyB, keyA])
    expect(ring.needsRotation(old)).toBe(true)
    const fresh = ring.reencrypt(old, aad)
    expect(ring.needsRotation(fresh)).toBe(false)
    expect(ring.decrypt(fresh, aad)).toBe(secret)
    expectCode(() => ring.needsRotation('plaintext'), 'PB_VAULT_MALFORMED')
  })

  it('does not show key material through JSON or util.inspect', () => {
    const vault = Vault.fromKeys([keyA, keyB])
    for (const text of [JSON.stringify(vault), inspect(vault, { showHidden: true, depth: 10 }), String(Object.values(vault))]) {
      expect(text).not.toContain(materialOf(keyA))
      expect(text).not.toContain(materialOf(keyB))
    }
    expect(JSON.parse(JSON.stringify(vault))).toEqual({ activeKeyId: kidOf(keyA), keyIds: [kidOf(keyA), kidOf(keyB)] })
  })
})

describe('Vault no plaintext fallback', () => {
  const vault = Vault.fromKeys([keyA])

  it.each([
    ['plaintext', 'hunter2'],
    ['a JSON credential object', '{"access_token":"ya29.abc","refresh_token":"1//x"}'],
    ['an empty string', ''],
    ['base64 data', randomBytes(48).toString('base64')],
    ['a legacy "enc:" value', `enc:${randomBytes(32).toString('base64')}`],
    ['the format prefix alone', 'pbv1.'],
    ['a ciphertext missing its data part', 'pbv1.k1.AAAAAAAAAAAAAAAA'],
    ['a ciphertext with an extra part', `${Vault.fromKeys([keyA]).encrypt('x', aad)}.extra`],
    ['an older format version', `pbv0.${kidOf(keyA)}.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA`],
    ['a bad kid', 'pbv1.k!d.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
  ])('does not return %s given to decrypt – PB_VAULT_MALFORMED', (_name, input) => {
    const err = expectCode(() => vault.decrypt(input, aad), 'PB_VAULT_MALFORMED')
    if (input.length > 8) expect(err.message).not.toContain(input)
  })

  it('does not accept null or a non-string (a NULL column) – PB_VAULT_MALFORMED', () => {
    expectCode(() => vault.decrypt(null as unknown as string, aad), 'PB_VAULT_MALFORMED')
    expectCode(() => vault.decrypt(Buffer.from('x') as unknown as string, aad), 'PB_VAULT_MALFORMED')
  })

  it('decryptJson refuses an authentic value that is not JSON, without quoting it – PB_VAULT_MALFORMED', () => {
    const err = expectCode(() => vault.decryptJson(vault.encrypt('not json: s3cret', aad), aad), 'PB_VAULT_MALFORMED')
    expect(err.message).not.toContain('s3cret')
    expect(err.cause).toBeUndefined()
  })

  it('encryptJson refuses a value JSON cannot represent', () => {
    expect(() => vault.encryptJson(undefined, aad)).toThrow(TypeError)
  })
})

describe('Vault.fromKeys', () => {
  const raw = randomBytes(32)

  function rejection(entries: string[]): string {
    try {
      Vault.fromKeys(entries)
    } catch (err) {
      expect(err).toBeInstanceOf(TypeError)
      return (err as Error).message
    }
    throw new Error('expected a TypeError')
  }

  it('accepts standard and url-safe base64, padded or not, as the same key', () => {
    // A key whose base64 holds both "+" and "/" so the two alphabets really differ.
    let bytes = randomBytes(32)
    while (!/[+/]/.test(bytes.toString('base64'))) bytes = randomBytes(32)
    const standard = Vault.fromKeys([`k1:${bytes.toString('base64')}`])
    const urlSafe = Vault.fromKeys([`k1:${bytes.toString('base64url')}`])
    const unpadded = Vault.fromKeys([`k1:${bytes.toString('base64').replace(/=+$/, '')}`])
    expect(urlSafe.decrypt(standard.encrypt(secret, aad), aad)).toBe(secret)
    expect(unpadded.decrypt(urlSafe.encrypt(secret, aad), aad)).toBe(secret)
  })

  it('accepts a key produced by generateEncryptionKey, which the config schema accepts too', () => {
    const entry = generateEncryptionKey(new Date('2031-02-03T10:00:00Z'))
    expect(entry).toMatch(/^k20310203-[0-9a-f]{8}:[A-Za-z0-9+/]{43}=$/)
    expect(Vault.fromKeys([entry]).activeKeyId).toBe(kidOf(entry))
    expect(loadConfig({}, { encryptionKeys: [entry] }).encryptionKeys).toEqual([entry])
  })

  it('does not accept a 16-byte key, naming the entry and not the key', () => {
    const material = randomBytes(16).toString('base64')
    const message = rejection([keyA, `short:${material}`])
    expect(message).toMatch(/encryptionKeys\[1\].*"short".*32 bytes, got 16/)
    expect(message).not.toContain(material)
  })

  it('does not accept a 33-byte key', () => {
    const material = randomBytes(33).toString('base64')
    const message = rejection([`long:${material}`])
    expect(message).toMatch(/encryptionKeys\[0\].*got 33/)
    expect(message).not.toContain(material)
  })

  it('does not accept a duplicate key id', () => {
    const other = randomBytes(32).toString('base64')
    const message = rejection([`same:${raw.toString('base64')}`, `same:${other}`])
    expect(message).toMatch(/encryptionKeys\[1\]: duplicate key id "same"/)
    expect(message).not.toContain(other)
    expect(message).not.toContain(raw.toString('base64'))
  })

  it('does not accept bad base64', () => {
    const material = `${raw.toString('base64').slice(0, 40)}!!!=`
    const message = rejection([`bad:${material}`])
    expect(message).toMatch(/encryptionKeys\[0\] \(kid "bad"\).*base64/)
    expect(message).not.toContain(material)
    // Buffer.from would silently skip the characters it does not know; the vault must not.
    expect(() => Vault.fromKeys([`bad:${raw.toString('base64').slice(0, 20)} ${raw.toString('base64').slice(20)}`])).toThrow(TypeError)
  })

  it('does not accept an entry without a kid, or a bad kid, without echoing the entry', () => {
    const material = raw.toString('base64')
    for (const entry of [material, `:${material}`, `bad kid:${material}`, `${'k'.repeat(33)}:${material}`]) {
      const message = rejection([entry])
      expect(message).toMatch(/^encryptionKeys\[0\]/)
      expect(message).not.toContain(material)
    }
  })

  it('does not build an empty ring', () => {
    expect(rejection([])).toMatch(/at least one/)
  })
})

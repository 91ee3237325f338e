import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto'

/**
 * The credential vault: AES-256-GCM under a key ring. Every ciphertext names the key that made it
 * and is bound to associated data (partner, row and field, see `associated-data.ts`), so a value
 * copied to another row or column does not decrypt. There is no plaintext fallback: anything that
 * is not a ciphertext of this format is refused.
 *
 * Format: `pbv1.<kid>.<iv>.<ciphertext+tag>`, iv (12 random bytes) and ciphertext+tag (16-byte tag
 * appended) in unpadded base64url. The GCM associated data is `pbv1.<kid>.` followed by the
 * caller's associated data, so the header is authenticated too.
 */
export const VAULT_FORMAT = 'pbv1'

const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32
const KID = /^[A-Za-z0-9_-]{1,32}$/
const B64URL = /^[A-Za-z0-9_-]+$/

export type VaultErrorCode = 'PB_VAULT_MALFORMED' | 'PB_VAULT_UNKNOWN_KEY' | 'PB_VAULT_AUTH_FAILED'

/** A ciphertext that cannot be opened. Messages never hold key material, plaintext or ciphertext. */
export class VaultError extends Error {
  readonly code: VaultErrorCode

  constructor(code: VaultErrorCode, message: string) {
    super(message)
    this.name = 'VaultError'
    this.code = code
  }
}

interface ParsedCiphertext {
  kid: string
  iv: Buffer
  body: Buffer
}

/** Strict unpadded base64url: decodes and re-encodes to the same text (Buffer.from alone is lenient). */
function decodeB64url(text: string): Buffer | undefined {
  if (!B64URL.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : undefined
}

function parseCiphertext(ciphertext: unknown): ParsedCiphertext {
  if (typeof ciphertext !== 'string') throw new VaultError('PB_VAULT_MALFORMED', 'not a vault ciphertext (not a string)')
  const parts = ciphertext.split('.')
  if (parts.length !== 4 || parts[0] !== VAULT_FORMAT) {
    throw new VaultError('PB_VAULT_MALFORMED', `not a vault ciphertext (expected ${VAULT_FORMAT}.<kid>.<iv>.<data>)`)
  }
  const [, kid = '', ivText = '', bodyText = ''] = parts
  if (!KID.test(kid)) throw new VaultError('PB_VAULT_MALFORMED', 'malformed vault ciphertext: bad key id')
  const iv = decodeB64url(ivText)
  if (!iv || iv.length !== IV_BYTES) throw new VaultError('PB_VAULT_MALFORMED', 'malformed vault ciphertext: bad iv')
  const body = decodeB64url(bodyText)
  if (!body || body.length < TAG_BYTES) throw new VaultError('PB_VAULT_MALFORMED', 'malformed vault ciphertext: bad data')
  return { kid, iv, body }
}

/** Standard or url-safe base64 of exactly `KEY_BYTES` bytes, padding optional; undefined otherwise. */
function decodeKey(text: string): Buffer | undefined {
  const normalized = text
    .replaceAll('-', '+')
    .replaceAll('_', '/')
    .replace(/={1,2}$/, '')
  if (!/^[A-Za-z0-9+/]+$/.test(normalized) || normalized.length % 4 === 1) return undefined
  const bytes = Buffer.from(normalized, 'base64')
  // Re-encoding catches non-zero trailing bits and anything else Buffer.from silently ignored.
  return bytes.toString('base64').replace(/=+$/, '') === normalized ? bytes : undefined
}

function assertAad(aad: unknown): asserts aad is string {
  if (typeof aad !== 'string' || aad.length === 0) throw new TypeError('vault: associated data must be a non-empty string')
}

function gcmAad(kid: string, aad: string): Buffer {
  return Buffer.from(`${VAULT_FORMAT}.${kid}.${aad}`, 'utf8')
}

export class Vault {
  /** The key new ciphertexts are made with (the first entry of the ring). */
  readonly activeKeyId: string
  /** Every key id that decrypts, the active one first. */
  readonly keyIds: readonly string[]
  readonly #keys: ReadonlyMap<string, KeyObject>

  private constructor(keys: Map<string, KeyObject>) {
    this.#keys = keys
    this.keyIds = Object.freeze([...keys.keys()])
    this.activeKeyId = this.keyIds[0] as string
  }

  /**
   * Builds a vault from `<kid>:<base64 of 32 bytes>` entries (standard or url-safe base64, padding
   * optional); the first encrypts, all decrypt. Throws a TypeError naming the entry by position and
   * key id, never quoting key material.
   */
  static fromKeys(entries: readonly string[]): Vault {
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new TypeError('encryptionKeys: at least one "<kid>:<base64 of 32 bytes>" entry is required')
    }
    const keys = new Map<string, KeyObject>()
    entries.forEach((entry, index) => {
      const where = `encryptionKeys[${index}]`
      if (typeof entry !== 'string') throw new TypeError(`${where}: must be a string "<kid>:<base64 of 32 bytes>"`)
      const colon = entry.indexOf(':')
      if (colon < 0) throw new TypeError(`${where}: expected "<kid>:<base64 of 32 bytes>" (no ":" found)`)
      const kid = entry.slice(0, colon)
      if (!KID.test(kid)) {
        throw new TypeError(`${where}: the key id must be 1 to 32 characters of A-Z a-z 0-9 _ - (got ${kid.length} characters)`)
      }
      if (keys.has(kid)) throw new TypeError(`${where}: duplicate key id "${kid}"`)
      const material = decodeKey(entry.slice(colon + 1).trim())
      if (!material) throw new TypeError(`${where} (kid "${kid}"): the key is not valid base64`)
      if (material.length !== KEY_BYTES) {
        throw new TypeError(`${where} (kid "${kid}"): the key must be ${KEY_BYTES} bytes, got ${material.length}`)
      }
      keys.set(kid, createSecretKey(material))
      material.fill(0)
    })
    return new Vault(keys)
  }

  /** Encrypts under the active key with a fresh random IV; `aad` binds the result to its place. */
  encrypt(plaintext: string, aad: string): string {
    if (typeof plaintext !== 'string') throw new TypeError('vault: plaintext must be a string')
    assertAad(aad)
    const kid = this.activeKeyId
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(kid) as KeyObject, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(gcmAad(kid, aad))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
    return `${VAULT_FORMAT}.${kid}.${iv.toString('base64url')}.${body.toString('base64url')}`
  }

  /** Opens a ciphertext made by any key of the ring for the same `aad`; throws {@link VaultError} otherwise. */
  decrypt(ciphertext: string, aad: string): string {
    assertAad(aad)
    const { kid, iv, body } = parseCiphertext(ciphertext)
    const key = this.#keys.get(kid)
    if (!key) throw new VaultError('PB_VAULT_UNKNOWN_KEY', `vault ciphertext uses key "${kid}", which is not in encryptionKeys`)
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(gcmAad(kid, aad))
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
    try {
      const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()])
      return plain.toString('utf8')
    } catch {
      throw new VaultError(
        'PB_VAULT_AUTH_FAILED',
        `vault ciphertext (key "${kid}") failed authentication: tampered, or stored under other associated data`,
      )
    }
  }

  encryptJson(value: unknown, aad: string): string {
    const json = JSON.stringify(value)
    if (json === undefined) throw new TypeError('vault: value is not JSON-serializable')
    return this.encrypt(json, aad)
  }

  /** The caller asserts `T`; the vault only guarantees the value is JSON written for this `aad`. */
  decryptJson<T = unknown>(ciphertext: string, aad: string): T {
    const json = this.decrypt(ciphertext, aad)
    try {
      return JSON.parse(json) as T
    } catch {
      // No cause: JSON.parse messages quote the text, which is a secret.
      throw new VaultError('PB_VAULT_MALFORMED', 'vault plaintext is not JSON')
    }
  }

  /** Decrypts and encrypts again under the active key (rotation). */
  reencrypt(ciphertext: string, aad: string): string {
    return this.encrypt(this.decrypt(ciphertext, aad), aad)
  }

  /** The key id a ciphertext names; throws `PB_VAULT_MALFORMED` for anything else. */
  keyIdOf(ciphertext: string): string {
    return parseCiphertext(ciphertext).kid
  }

  hasKey(kid: string): boolean {
    return this.#keys.has(kid)
  }

  /** True when the ciphertext was made with another key than the active one. */
  needsRotation(ciphertext: string): boolean {
    return this.keyIdOf(ciphertext) !== this.activeKeyId
  }

  toJSON(): { activeKeyId: string; keyIds: readonly string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds }
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Vault { activeKeyId: '${this.activeKeyId}', keyIds: [${this.keyIds.map((k) => `'${k}'`).join(', ')}] }`
  }
}

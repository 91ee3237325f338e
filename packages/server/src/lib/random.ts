import { hash, randomFillSync, timingSafeEqual } from 'node:crypto'

/**
 * Bytes from the CSPRNG, drawn from a pool filled 4 KiB at a time: one call into OpenSSL per ~90
 * tokens instead of one each (it showed in the token-exchange profile). Every byte is used once.
 */
const POOL_BYTES = 4096
let pool = Buffer.alloc(0)
let offset = 0

function randomBase64url(bytes: number): string {
  if (bytes > POOL_BYTES) return randomFillSync(Buffer.alloc(bytes)).toString('base64url')
  if (offset + bytes > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES))
    offset = 0
  }
  const text = pool.toString('base64url', offset, offset + bytes)
  pool.fill(0, offset, offset + bytes)
  offset += bytes
  return text
}

/** A random, URL-safe secret with a readable prefix (`pbat_…`); 32 bytes = 256 bits of randomness. */
export function randomToken(prefix: string, bytes = 32): string {
  return `${prefix}${randomBase64url(bytes)}`
}

/** A random identifier for rows that are referenced from outside (not a secret). */
export function randomId(prefix: string): string {
  return `${prefix}${randomBase64url(12)}`
}

/**
 * Tokens, codes and client secrets are generated with 256 bits of randomness, so a fast hash is
 * enough to store them: there is nothing to brute-force, and the hot path stays a single lookup.
 */
export function hashSecret(secret: string): string {
  // One-shot crypto.hash: no Hash object per call (each holds native OpenSSL state until a GC).
  return `sha256$${hash('sha256', secret, 'base64url')}`
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret))
  const b = Buffer.from(storedHash)
  return a.length === b.length && timingSafeEqual(a, b)
}

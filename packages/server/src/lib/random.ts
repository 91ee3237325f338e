import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A random, URL-safe secret with a readable prefix (`pbat_…`); 32 bytes = 256 bits of randomness. */
export function randomToken(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`
}

/** A random identifier for rows that are referenced from outside (not a secret). */
export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('base64url')}`
}

/**
 * Tokens, codes and client secrets are generated with 256 bits of randomness, so a fast hash is
 * enough to store them: there is nothing to brute-force, and the hot path stays a single lookup.
 */
export function hashSecret(secret: string): string {
  return `sha256$${createHash('sha256').update(secret).digest('base64url')}`
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret))
  const b = Buffer.from(storedHash)
  return a.length === b.length && timingSafeEqual(a, b)
}

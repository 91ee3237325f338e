import { createHash, timingSafeEqual } from 'node:crypto'

const BEARER = /^Bearer +(\S+) *$/i

/**
 * True when `authorization` is `Bearer <token>` with the configured metrics token. Compared in
 * constant time over SHA-256 digests, so neither the token's content nor its length shows in the
 * time an answer takes.
 */
export function metricsTokenMatches(authorization: string | undefined, token: string): boolean {
  const sent = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1]
  if (sent === undefined) return false
  return timingSafeEqual(digest(sent), digest(token))
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

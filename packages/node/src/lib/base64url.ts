/** base64url without padding (RFC 7515 §2) of UTF-8 text or bytes. */
export function base64url(input: string | Uint8Array): string {
  return Buffer.from(typeof input === 'string' ? Buffer.from(input, 'utf8') : input).toString('base64url')
}

// Gmail helpers: the RFC 2822 message users.messages.send takes as `raw` (base64url), guide "Sending email":
// https://developers.google.com/workspace/gmail/api/guides/sending

/** One address, no display name: nothing that could break out of a header (no spaces, commas, CR/LF). */
export const EMAIL = '^[^\\s@,;:<>()"\\[\\]\\\\]+@[^\\s@,;:<>()"\\[\\]\\\\]+\\.[^\\s@,;:<>()"\\[\\]\\\\]+$'

/**
 * A header value, as RFC 2047 encoded-words (UTF-8, base64) when it is not plain printable ASCII: at most
 * 45 bytes per word so each stays under 75 characters, words folded onto continuation lines.
 */
function headerText(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value
  const words: string[] = []
  let chunk = ''
  for (const char of value) {
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(chunk)
      chunk = ''
    }
    chunk += char
  }
  if (chunk !== '') words.push(chunk)
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ')
}

/** The RFC 2822 message: headers, a blank line, the UTF-8 text body in base64 (lines of 76). */
export function rfc2822(input: { to: string[]; cc?: string[]; subject: string; body: string }): string {
  const body = Buffer.from(input.body.replace(/\r?\n/g, '\r\n'), 'utf8').toString('base64')
  const lines = [
    `To: ${input.to.join(', ')}`,
    ...(input.cc && input.cc.length > 0 ? [`Cc: ${input.cc.join(', ')}`] : []),
    `Subject: ${headerText(input.subject)}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="UTF-8"',
    'Content-Transfer-Encoding: base64',
    '',
    ...(body.match(/.{1,76}/g) ?? ['']),
  ]
  return lines.join('\r\n')
}

/**
 * Prefixes make Patchbay's own secrets recognisable: in logs scanners, in secret scanning, and at
 * the token endpoint, which must never accept one of them as a subject_token.
 */
export const tokenPrefix = {
  accessToken: 'pbat_',
  sessionCode: 'pbsc_',
  connectLink: 'pbcl_',
  clientSecret: 'pbsk_',
} as const

export function isPatchbayToken(value: string): boolean {
  return Object.values(tokenPrefix).some((p) => value.startsWith(p))
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds from `now`: delta-seconds or an HTTP date (a date
 * in the past is 0). Undefined when absent or unreadable: each caller picks its own default.
 */
export function retryAfterMs(value: string | readonly string[] | null | undefined, now: number = Date.now()): number | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim()
  if (text === undefined || text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // Every HTTP-date form names its month; without a letter, Date.parse would read "-1" or "1.5" as 2001.
  if (!/[A-Za-z]/.test(text)) return undefined
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

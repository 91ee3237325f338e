const DAY_MS = 86_400_000
/** 9999-12-31T23:59:59.999Z + 1 ms: past it, toISOString writes a six-digit, signed year. */
const YEAR_10000 = 253_402_300_800_000

/** The date part ("2026-12-06T") of each day seen lately, by day number since 1970. */
const days = new Map<number, string>()

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`)
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`)

/**
 * An epoch-milliseconds time in ISO 8601 (UTC, with milliseconds): exactly what `new Date(ms).toISOString()`
 * answers, at a fraction of the cost. V8 formats that string through snprintf, 7,000 instructions a call,
 * the largest single cost of `GET /v1/me` and three times that per connection listed (BENCHMARKS.md,
 * "Instructions per request"). Here only a day's first time pays it, for the date part; the time of day
 * is arithmetic. Times before 1970, past year 9999 or with a fraction of a millisecond go to toISOString.
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000) return new Date(ms).toISOString()
  const day = Math.floor(ms / DAY_MS)
  let date = days.get(day)
  if (date === undefined) {
    // Bounded: a day's entry is 11 characters; a service formats times of a few hundred days at most.
    if (days.size >= 4096) days.clear()
    date = new Date(day * DAY_MS).toISOString().slice(0, 11)
    days.set(day, date)
  }
  let rest = ms - day * DAY_MS
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  return `${date}${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}Z`
}

import { describe, expect, it } from 'vitest'
import { isoTime } from '../../src/lib/iso-time.js'

const builtIn = (ms: number) => new Date(ms).toISOString()

describe('isoTime', () => {
  it('answers what toISOString answers at the edges of days, months, leap years and the format', () => {
    const edges = [
      0,
      1,
      999,
      1000,
      59_999,
      3_599_999,
      86_399_999,
      86_400_000,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2024, 2, 1),
      Date.UTC(2000, 1, 29, 12, 0, 0, 5),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.now(),
    ]
    for (const ms of edges) expect(isoTime(ms)).toBe(builtIn(ms))
  })

  it('answers what toISOString answers for 200,000 times across four centuries, each twice (the second from its day)', () => {
    let seed = 42
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const mismatches: number[] = []
    for (let i = 0; i < 100_000; i++) {
      const ms = Math.floor(next() * Date.UTC(2400, 0, 1))
      for (const t of [ms, ms + Math.floor(next() * 1000)]) if (isoTime(t) !== builtIn(t)) mismatches.push(t)
    }
    expect(mismatches).toEqual([])
  })

  it('leaves times outside 1970 to 9999 and fractions of a millisecond to toISOString, errors included', () => {
    for (const ms of [-1, -86_400_001, Date.UTC(1969, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), 1.5, 8.64e15]) {
      expect(isoTime(ms)).toBe(builtIn(ms))
    }
    expect(() => isoTime(Number.NaN)).toThrow(RangeError)
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError)
  })
})

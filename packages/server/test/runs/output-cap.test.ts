import { describe, expect, it } from 'vitest'
import { capOutput } from '../../src/runs/output-cap.js'

// The output cap's work is bounded whatever the action answers (docs/actions.md, "Paging and size").

describe('capOutput', () => {
  it('keeps an output under the cap as it is', () => {
    expect(capOutput({ a: [1, 2] }, 1024)).toEqual({ json: '{"a":[1,2]}', truncated: false })
  })

  it('cuts the largest list from its end until the output fits', () => {
    const output = { total: 5000, items: Array.from({ length: 5000 }, (_, i) => ({ id: `t${i}`, note: 'x'.repeat(100) })) }
    const capped = capOutput(output, 64 * 1024)
    expect(capped?.truncated).toBe(true)
    expect(Buffer.byteLength(capped?.json ?? '')).toBeLessThanOrEqual(64 * 1024)
    const kept = JSON.parse(capped?.json ?? '{}') as typeof output
    expect(kept.total).toBe(5000)
    expect(kept.items.length).toBeGreaterThan(500)
    expect(kept.items.at(-1)?.id).toBe(`t${kept.items.length - 1}`)
  })

  it('cuts a large nested output (a thousand lists of a thousand) in a bounded time', () => {
    const output = { groups: Array.from({ length: 1000 }, () => ({ tags: Array.from({ length: 1000 }, (_, i) => i) })) }
    const started = performance.now()
    const capped = capOutput(output, 256 * 1024)
    expect(capped?.truncated).toBe(true)
    expect(Buffer.byteLength(capped?.json ?? '')).toBeLessThanOrEqual(256 * 1024)
    // Linear passes (a quadratic cut took tens of seconds here); generous for a loaded machine.
    expect(performance.now() - started).toBeLessThan(10_000)
  })

  it('refuses an output nested too deep to serialize, and one with no list to cut, without throwing', () => {
    const deep: unknown[] = []
    let at = deep
    for (let i = 0; i < 100_000; i++) {
      const next: unknown[] = []
      at.push(next)
      at = next
    }
    expect(capOutput(deep, 1024)).toBeUndefined()
    expect(capOutput({ text: 'x'.repeat(5000) }, 1024)).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import { GroupCommit } from '../../src/lib/group-commit.js'

describe('GroupCommit', () => {
  it('sends a lone item at once and groups the items that arrive while a flush is in flight', async () => {
    const batches: number[][] = []
    const group = new GroupCommit(async (items: number[]) => {
      batches.push(items)
      await new Promise((resolve) => setTimeout(resolve, 20))
      return items.map((n) => n * 2)
    })
    expect(await group.add(1)).toBe(2)
    const results = await Promise.all([2, 3, 4, 5].map((n) => group.add(n)))
    expect(results).toEqual([4, 6, 8, 10])
    expect(batches).toEqual([[1], [2], [3, 4, 5]])
  })

  it('tries each item of a failed batch alone, so one bad item fails only itself', async () => {
    const group = new GroupCommit(async (items: number[]) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (items.includes(13)) throw new Error('unlucky')
      return items
    })
    const first = group.add(0)
    const settled = await Promise.allSettled([group.add(12), group.add(13), group.add(14)])
    await first
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  })

  it('bounds a batch by count and by weight', async () => {
    const batches: string[][] = []
    const group = new GroupCommit(
      async (items: string[]) => {
        batches.push(items)
        await new Promise((resolve) => setTimeout(resolve, 5))
        return items
      },
      { maxBatch: 3, weight: (s) => s.length, maxWeight: 10 },
    )
    await Promise.all(['first', 'aaaa', 'bbbb', 'cccc', 'd', 'e', 'f', 'g'].map((s) => group.add(s)))
    expect(batches).toEqual([['first'], ['aaaa', 'bbbb'], ['cccc', 'd', 'e'], ['f', 'g']])
  })
})

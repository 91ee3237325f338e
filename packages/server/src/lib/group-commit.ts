/**
 * Group commit: items that arrive while a flush is in flight wait for it and go together in the next
 * one. An item that arrives when nothing is in flight goes at once, so a lone item waits for nothing;
 * under load, many items share one statement and one commit (docs/actions.md, "Durability": the run
 * engine's claims and ends on PostgreSQL). When a shared statement fails, each of its items is tried
 * again alone, so one bad item never fails the others.
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve(value: O): void; reject(err: unknown): void }[] = []
  private flushing = false

  /**
   * `flush` answers one result per item, in order. A batch holds at most `maxBatch` items and, with
   * `weight`, at most `maxWeight` (bytes, say) beyond its first item.
   */
  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly limits: { maxBatch?: number; weight?: (item: I) => number; maxWeight?: number } = {},
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      if (!this.flushing) void this.drain()
    })
  }

  /** How many queued items the next batch takes. */
  private batchSize(): number {
    const { maxBatch = 100, weight, maxWeight = Infinity } = this.limits
    let n = 0
    let total = 0
    for (const { item } of this.queue) {
      if (n >= maxBatch) break
      total += weight ? weight(item) : 0
      if (n > 0 && total > maxWeight) break
      n++
    }
    return Math.max(1, n)
  }

  private async drain(): Promise<void> {
    this.flushing = true
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize())
      try {
        const results = await this.flush(batch.map((b) => b.item))
        batch.forEach((b, i) => b.resolve(results[i] as O))
      } catch (err) {
        if (batch.length === 1) (batch[0] as (typeof batch)[number]).reject(err)
        else {
          for (const b of batch) {
            try {
              b.resolve((await this.flush([b.item]))[0] as O)
            } catch (alone) {
              b.reject(alone)
            }
          }
        }
      }
    }
    this.flushing = false
  }
}

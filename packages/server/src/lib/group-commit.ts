/**
 * Group commit: items that arrive while a flush is in flight wait for it and go together in the next
 * one. An item that arrives when nothing is in flight goes at once, so a lone item waits for nothing;
 * under load, many items share one statement and one commit (docs/actions.md, "Durability": the run
 * engine's claims and ends on PostgreSQL).
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve(value: O): void; reject(err: unknown): void }[] = []
  private flushing = false

  /** `flush` answers one result per item, in order; `maxBatch` bounds one statement's size. */
  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 100,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      if (!this.flushing) void this.drain()
    })
  }

  private async drain(): Promise<void> {
    this.flushing = true
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch)
      try {
        const results = await this.flush(batch.map((b) => b.item))
        batch.forEach((b, i) => b.resolve(results[i] as O))
      } catch (err) {
        for (const b of batch) b.reject(err)
      }
    }
    this.flushing = false
  }
}

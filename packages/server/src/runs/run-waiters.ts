import type { ChangeFeed } from '../db/change-feed.js'

/**
 * Long polls waiting for runs: woken when a run changes, in this process or (PostgreSQL) any other,
 * through the database's change feed (db/change-feed.ts). A wait is bounded by its caller.
 */
export class RunWaiters {
  private readonly waiting = new Map<string, Set<() => void>>()
  private unsubscribe: (() => void) | undefined

  constructor(private readonly feed: ChangeFeed) {}

  /**
   * Starts watching run `id`: `done` resolves when it changes or after `ms`, whichever comes first.
   * Watch before reading the row, so a change between the read and the wait is not missed.
   */
  watch(id: string, ms: number): { done: Promise<void>; cancel(): void } {
    this.unsubscribe ??= this.feed.subscribe((change) => {
      if (change === undefined) {
        for (const set of this.waiting.values()) for (const wake of set) wake()
      } else if (change.topic === 'run') {
        for (const wake of this.waiting.get(change.key) ?? []) wake()
      }
    })
    let stop = () => {}
    const done = new Promise<void>((resolve) => {
      let set = this.waiting.get(id)
      if (!set) {
        set = new Set()
        this.waiting.set(id, set)
      }
      const wake = () => {
        clearTimeout(timer)
        set.delete(wake)
        if (set.size === 0 && this.waiting.get(id) === set) this.waiting.delete(id)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      set.add(wake)
      stop = wake
    })
    return { done, cancel: () => stop() }
  }

  close(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    for (const set of this.waiting.values()) for (const wake of set) wake()
  }
}

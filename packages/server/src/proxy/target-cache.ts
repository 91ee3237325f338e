import { LRUCache } from 'lru-cache'
import type { Owner } from '../connections/connection-types.js'
import type { Target } from './target.js'

/** Refresh this long before expiry, as `CredentialService.fresh` does by default. */
const MIN_VALIDITY_MS = 120_000

export interface TargetCacheOptions {
  /** How long a prepared target is reused (0: never kept). */
  ttlMs: number
  /** How long the connection's status and version read from the database are trusted (at most 1 s). */
  statusTtlMs: number
  maxEntries: number
}

/**
 * Prepared targets by connection id, least recently used evicted first (lru-cache). An entry
 * serves only its owner, within the cache TTL, and not once its token is due for a refresh; the
 * proxy checks the row's status and version again after `statusTtlMs` (docs/proxy.md, "Caching (performance)").
 */
export class TargetCache {
  readonly #entries: LRUCache<string, Target>

  constructor(private readonly options: TargetCacheOptions) {
    this.#entries = new LRUCache({ max: Math.max(1, options.maxEntries) })
  }

  /** The entry when it may be used without reading the database: its owner's, checked within the status TTL. */
  fresh(owner: Owner, connectionId: string, now: number): Target | undefined {
    const cached = this.owned(owner, connectionId)
    if (!cached || now - cached.checkedAt >= this.options.statusTtlMs || !this.usable(cached, now)) return undefined
    return cached
  }

  /** The owner's entry whatever its age (the caller checks it against the row). */
  owned(owner: Owner, connectionId: string): Target | undefined {
    const cached = this.#entries.get(connectionId) // also marks it most recently used
    if (!cached || cached.partnerId !== owner.partnerId || cached.endUserId !== owner.endUserId) return undefined
    return cached
  }

  /** Within the cache TTL, and the token (if it expires) is not due for a refresh. */
  usable(target: Target, now: number): boolean {
    return now - target.cachedAt < this.options.ttlMs && (target.expiresAt === null || target.expiresAt - now >= MIN_VALIDITY_MS)
  }

  set(target: Target): void {
    if (this.options.ttlMs > 0) this.#entries.set(target.connectionId, target)
  }

  delete(connectionId: string): void {
    this.#entries.delete(connectionId)
  }

  clear(): void {
    this.#entries.clear()
  }
}

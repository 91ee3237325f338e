/** A cached access token. */
interface Entry {
  token: string
  /** Epoch ms after which the token is not handed out any more (shortly before it expires). */
  renewAt: number
}

export interface MintedToken {
  token: string
  /** Lifetime in seconds, from `expires_in`. */
  expiresIn: number
}

export interface CachedToken {
  token: string
  /** True when this call waited for an exchange (so a 401 with it is not worth retrying). */
  fresh: boolean
}

/**
 * Access tokens per end user, handed out until shortly before they expire (`marginMs`, at most half
 * the lifetime), with one exchange in flight per key: concurrent callers share it. Failures are
 * not cached. The least recently used entry goes when there are more than `maxEntries`.
 *
 * A Map rather than lru-cache (which the server uses): the SDK ships with no runtime dependencies
 * (README, test/package.test.ts), and insertion order gives the LRU order in a few lines.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>()
  private readonly inflight = new Map<string, Promise<Entry>>()

  constructor(
    private readonly marginMs: number,
    private readonly maxEntries: number,
  ) {}

  async get(key: string, mint: () => Promise<MintedToken>): Promise<CachedToken> {
    const cached = this.entries.get(key)
    if (cached && Date.now() < cached.renewAt) {
      // Most recently used last.
      this.entries.delete(key)
      this.entries.set(key, cached)
      return { token: cached.token, fresh: false }
    }
    let pending = this.inflight.get(key)
    if (!pending) {
      const started = this.mintInto(key, mint)
      const done = () => {
        if (this.inflight.get(key) === started) this.inflight.delete(key)
      }
      started.then(done, done)
      this.inflight.set(key, started)
      pending = started
    }
    const entry = await pending
    return { token: entry.token, fresh: true }
  }

  /** Forgets `token` for `key` (Patchbay refused it), unless a newer one replaced it already. */
  invalidate(key: string, token: string): void {
    if (this.entries.get(key)?.token === token) this.entries.delete(key)
  }

  /** Forgets `token` wherever it is cached (it was revoked). */
  forgetToken(token: string): void {
    for (const [key, entry] of this.entries) if (entry.token === token) this.entries.delete(key)
  }

  clear(): void {
    this.entries.clear()
  }

  private async mintInto(key: string, mint: () => Promise<MintedToken>): Promise<Entry> {
    const started = Date.now()
    const minted = await mint()
    const lifetimeMs = minted.expiresIn * 1000
    const entry = { token: minted.token, renewAt: started + lifetimeMs - Math.min(this.marginMs, lifetimeMs / 2) }
    this.entries.delete(key)
    this.entries.set(key, entry)
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.entries.delete(oldest)
    }
    return entry
  }
}

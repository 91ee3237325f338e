import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'
import type { Config } from '../config/config.js'
import type { LineLogger } from '../logger.js'
import type { SafeHttpClient } from '../outbound/safe-fetch.js'
import type { Partner, PartnerStore } from '../partners/partner-store.js'

const privateMembers = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])

export class JwksUnavailableError extends Error {
  override name = 'JwksUnavailableError'
}

interface Entry {
  url: string
  getKey: JWTVerifyGetKey
  fetchedAt: number
  /** Last time a fetch was attempted (success or not): drives the cooldown. */
  attemptedAt: number
}

/**
 * Partner key sets, fetched from the partner's JWKS URL (or given inline).
 *
 * - A fetched set is used for `cacheTtl`. After that it is refreshed in the background while the
 *   old one keeps serving, so a slow partner endpoint never slows the token endpoint down.
 * - If the partner's endpoint is down, the last good set keeps working for `staleMax` more seconds
 *   (it is also kept in the database, so a restart during an outage changes nothing); past that,
 *   verification fails with a clear error.
 * - An unknown `kid` triggers one refetch, at most once per `cooldown` per partner.
 */
export class JwksCache {
  private readonly entries = new Map<string, Entry>()
  private readonly inline = new Map<string, { json: string; getKey: JWTVerifyGetKey }>()
  /** Partners whose first fetch failed recently: fail fast instead of waiting on a dead endpoint. */
  private readonly failures = new Map<string, { at: number; message: string }>()
  /** One fetch at a time per partner; concurrent callers share it. */
  private readonly inflight = new Map<string, Promise<Entry>>()
  /** Last refetch triggered by an unknown `kid`, per partner: drives the cooldown between them. */
  private readonly kidRefetchedAt = new Map<string, number>()

  constructor(
    private readonly http: SafeHttpClient,
    private readonly partners: PartnerStore,
    private readonly options: Config['jwks'],
    private readonly log: LineLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The key resolver for a partner's tokens. `log` is the logger of the request that asks (its
   * lines then carry the request's `reqId`); a fetch shared by concurrent requests logs with the
   * logger of the one that started it.
   */
  async resolver(partner: Partner, log: LineLogger = this.log): Promise<JWTVerifyGetKey> {
    if (partner.jwks) {
      const json = JSON.stringify(partner.jwks)
      let cached = this.inline.get(partner.id)
      if (!cached || cached.json !== json) {
        cached = { json, getKey: createLocalJWKSet(partner.jwks) }
        this.inline.set(partner.id, cached)
      }
      return cached.getKey
    }
    const entry = await this.entry(partner, log)
    return entry.getKey
  }

  /**
   * Called when no key matched the token's `kid` with the resolver `tried`: returns a resolver
   * worth one more try (the result of a fetch under way, a key set fetched since `tried` was handed
   * out, or a refetch if the cooldown allows), or undefined when nothing new can be had.
   */
  async refreshForUnknownKid(partner: Partner, tried: JWTVerifyGetKey, log: LineLogger = this.log): Promise<JWTVerifyGetKey | undefined> {
    if (partner.jwks || !partner.jwksUrl) return undefined
    // Concurrent tokens with a new kid share one refetch instead of being refused by its cooldown.
    const running = this.inflight.get(partner.id)
    if (running) return running.then((entry) => entry.getKey).catch(() => undefined)
    const entry = this.entries.get(partner.id)
    if (entry && entry.getKey !== tried) return entry.getKey
    const now = this.now()
    const last = this.kidRefetchedAt.get(partner.id)
    if (last !== undefined && now - last < this.options.cooldown * 1000) return undefined
    this.kidRefetchedAt.set(partner.id, now)
    try {
      return (await this.fetch(partner, entry, log)).getKey
    } catch {
      return undefined
    }
  }

  private async entry(partner: Partner, log: LineLogger): Promise<Entry> {
    const url = partner.jwksUrl as string
    let entry = this.entries.get(partner.id)
    if (entry && entry.url !== url) entry = undefined
    if (!entry) {
      const stored = await this.partners.readLastGoodJwks(partner.id)
      if (stored) {
        entry = this.makeEntry(url, stored.jwks, stored.fetchedAt, 0)
        this.entries.set(partner.id, entry)
      }
    }
    const now = this.now()
    const ttl = this.options.cacheTtl * 1000
    if (entry && now - entry.fetchedAt < ttl) return entry
    if (entry && now - entry.fetchedAt < ttl + this.options.staleMax * 1000) {
      // Stale but within the outage bound: serve it and refresh in the background.
      if (now - entry.attemptedAt >= this.options.cooldown * 1000) {
        this.fetch(partner, entry, log).catch(() => {})
      }
      return entry
    }
    // Nothing usable: the caller has to wait for a fetch (unless one just failed).
    const failure = this.failures.get(partner.id)
    if (!entry && failure && now - failure.at < this.options.cooldown * 1000) {
      throw new JwksUnavailableError(`the partner's JWKS could not be fetched: ${failure.message}`)
    }
    try {
      return await this.fetch(partner, entry, log)
    } catch (err) {
      const age = entry ? Math.round((now - entry.fetchedAt) / 1000) : undefined
      throw new JwksUnavailableError(
        entry
          ? `the partner's JWKS endpoint is unreachable and its last good keys are ${age}s old, past the ${this.options.cacheTtl + this.options.staleMax}s bound`
          : `the partner's JWKS could not be fetched: ${(err as Error).message}`,
        { cause: err },
      )
    }
  }

  private fetch(partner: Partner, previous: Entry | undefined, log: LineLogger): Promise<Entry> {
    const running = this.inflight.get(partner.id)
    if (running) return running
    const url = partner.jwksUrl as string
    const started = this.now()
    if (previous) previous.attemptedAt = started
    const promise = this.download(url)
      .then(async (jwks) => {
        const fetchedAt = this.now()
        const entry = this.makeEntry(url, jwks, fetchedAt, fetchedAt)
        this.entries.set(partner.id, entry)
        this.failures.delete(partner.id)
        await this.partners.writeLastGoodJwks(partner.id, jwks, fetchedAt)
        return entry
      })
      .catch((err: unknown) => {
        log.warn({ partner: partner.id, err: (err as Error).message }, 'partner JWKS fetch failed')
        if (!previous) this.failures.set(partner.id, { at: this.now(), message: (err as Error).message })
        throw err
      })
      .finally(() => this.inflight.delete(partner.id))
    this.inflight.set(partner.id, promise)
    return promise
  }

  private makeEntry(url: string, jwks: JSONWebKeySet, fetchedAt: number, attemptedAt: number): Entry {
    return { url, getKey: createLocalJWKSet(jwks), fetchedAt, attemptedAt }
  }

  private async download(url: string): Promise<JSONWebKeySet> {
    const res = await this.http.request(url, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      timeoutMs: this.options.timeoutMs,
      maxBytes: this.options.maxBytes,
    })
    if (res.status !== 200) throw new Error(`JWKS endpoint answered HTTP ${res.status}`)
    let json: unknown
    try {
      json = JSON.parse(res.body.toString('utf8'))
    } catch {
      throw new Error('JWKS endpoint did not return JSON')
    }
    const keys = (json as { keys?: unknown }).keys
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'object' || k === null)) {
      throw new Error('JWKS endpoint did not return a key set ({ "keys": [...] })')
    }
    // Only public keys are ever kept: a JWKS that leaks private members is stripped, not trusted more.
    const publicKeys = (keys as Record<string, unknown>[])
      .filter((key) => key.k === undefined)
      .map((key) => Object.fromEntries(Object.entries(key).filter(([name]) => !privateMembers.has(name))))
    return { keys: publicKeys } as unknown as JSONWebKeySet
  }
}

import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { JwksServer, newPartnerKey } from '../helpers/partner-keys.js'
import { startTestServer, type TestServer, type TestServerOptions } from '../helpers/test-server.js'
import { exchange, exchangeParams, expectIssued, expectRefused, postToken, type TokenResponse } from '../helpers/token-request.js'

/**
 * docs/security.md, "Partner JWTs" (the JWKS half) and docs/architecture.md, "Where each flow lives": how Patchbay fetches,
 * caches, refreshes and falls back on a partner's JWKS, against a real JWKS server on 127.0.0.1.
 */

/** Waits until `check` holds, for at most `ms`. */
async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await sleep(20)
  }
}

// Every test runs its own servers, so they run concurrently: the waits for caches to go stale overlap.
describe.concurrent.each(databaseTargets)('partner JWKS ($name)', (target) => {
  /** Runs `fn` against a fresh test server (plus any it restarts into), closed afterwards whatever happens. */
  async function withServer(options: Omit<TestServerOptions, 'target'>, fn: (t: TestServer, opened: TestServer[]) => Promise<void>) {
    const opened = [await startTestServer({ target, ...options })]
    try {
      await fn(opened[0] as TestServer, opened)
    } finally {
      for (const t of opened.reverse()) await t.close()
    }
  }

  const refusedGrant = (t: TestServer, send: () => Promise<TokenResponse>, description: RegExp | string) =>
    expectRefused(t, send, { status: 400, error: 'invalid_grant', description })
  const unknownKidToken = async (t: TestServer) => t.sign({}, { key: await newPartnerKey('ES256') })

  it('accepts a token signed with a newly published kid right away, with one refetch for concurrent tokens', () =>
    // Default settings: the rotation comes right after Patchbay's last fetch, well within the cooldown
    // (which spaces out refetches for unknown kids, not a first one after a scheduled fetch).
    withServer({}, async (t) => {
      expect(t.config.jwks.cooldown).toBeGreaterThanOrEqual(10)
      await expectIssued(await exchange(t, await t.sign()))
      expect(t.jwks.hits).toBe(1)
      // The partner rotates: a new key with a new kid, published after Patchbay's last fetch.
      const rotated = await newPartnerKey('ES256')
      t.jwks.keys = [t.key.publicJwk, rotated.publicJwk]
      const tokens = await Promise.all(Array.from({ length: 5 }, (_, i) => t.sign({ sub: `rotated-${i}` }, { key: rotated })))
      const results = await Promise.all(tokens.map((token) => exchange(t, token)))
      expect(results.map((r) => `${r.status} ${r.json.error_description ?? ''}`)).toEqual(Array(5).fill('200 '))
      for (const res of results) await expectIssued(res)
      expect(t.jwks.hits).toBe(2)
      // Old and new keys both keep working from the cache.
      await expectIssued(await exchange(t, await t.sign({}, { key: rotated })))
      await expectIssued(await exchange(t, await t.sign()))
      expect(t.jwks.hits).toBe(2)
    }))

  it('refetches at most once per cooldown for a burst of unknown kids', () =>
    withServer({ config: { 'jwks.cooldown': 2 } }, async (t) => {
      const cooldownMs = 2000
      await expectIssued(await exchange(t, await t.sign()))
      expect(t.jwks.hits).toBe(1)

      const before = await t.counts()
      const started = Date.now()
      const burst = await Promise.all(Array.from({ length: 10 }, async () => exchange(t, await unknownKidToken(t))))
      for (const res of burst) {
        expect(res.status).toBe(400)
        expect(res.json.error).toBe('invalid_grant')
        expect(res.json.error_description).toContain("no key in the partner's JWKS matches")
        expect(res.headers.get('cache-control')).toBe('no-store')
      }
      expect(await t.counts()).toEqual(before)
      for (let i = 0; i < 5; i++)
        await refusedGrant(t, async () => exchange(t, await unknownKidToken(t)), "no key in the partner's JWKS matches")
      // One refetch for the whole burst (one more per cooldown the burst outlasted, should the machine be that slow).
      const refetches = t.jwks.hits - 1
      expect(refetches).toBeGreaterThanOrEqual(1)
      expect(refetches).toBeLessThanOrEqual(1 + Math.floor((Date.now() - started) / cooldownMs))
      // Good tokens are unaffected by the burst.
      await expectIssued(await exchange(t, await t.sign()))

      // After the cooldown, exactly one more refetch, and none for the next unknown kid.
      await sleep(cooldownMs + 100)
      const hits = t.jwks.hits
      await refusedGrant(t, async () => exchange(t, await unknownKidToken(t)), "no key in the partner's JWKS matches")
      expect(t.jwks.hits).toBe(hits + 1)
      await refusedGrant(t, async () => exchange(t, await unknownKidToken(t)), "no key in the partner's JWKS matches")
      expect(t.jwks.hits).toBe(hits + 1)
    }))

  it('keeps verifying with the cached keys during a JWKS outage within the bound', () =>
    // No cooldown, so the stale cache is refreshed (in the background) on the first request past cacheTtl.
    withServer({ config: { 'jwks.cacheTtl': 1, 'jwks.staleMax': 60, 'jwks.cooldown': 0 } }, async (t) => {
      await expectIssued(await exchange(t, await t.sign()))
      expect(t.jwks.hits).toBe(1)
      await t.jwks.stop()
      await sleep(1100)
      // The cache is stale now: the refresh fails (and is logged), the last good keys keep serving.
      await expectIssued(await exchange(t, await t.sign()))
      await eventually(() => t.logs.some((line) => line.includes('partner JWKS fetch failed')))
      await expectIssued(await exchange(t, await t.sign()))
    }))

  it('refuses tokens once a JWKS outage outlasts the bound', () =>
    withServer({ config: { 'jwks.cacheTtl': 1, 'jwks.staleMax': 1 } }, async (t) => {
      await expectIssued(await exchange(t, await t.sign()))
      await t.jwks.stop()
      await sleep(2100)
      await refusedGrant(
        t,
        async () => exchange(t, await t.sign()),
        /JWKS endpoint is unreachable and its last good keys are \d+s old, past the 2s bound/,
      )
    }))

  it('keeps verifying from the last good keys kept in the database after a restart during an outage', () =>
    withServer({ persistent: true }, async (first, opened) => {
      const usedBefore = await first.sign({ sub: 'before-restart' })
      await expectIssued(await exchange(first, usedBefore))
      expect(first.jwks.hits).toBe(1)
      await first.jwks.stop()
      const t = await first.restart()
      opened.push(t)
      // A brand new process: nothing in memory, the JWKS endpoint down, the database remembers the keys.
      await expectIssued(await exchange(t, await t.sign({ sub: 'after-restart' })))
      const stored = await t.server.services.partners.readLastGoodJwks(t.partner.id)
      expect(stored?.jwks.keys.map((k) => k.kid)).toEqual([t.key.kid])
      expect(t.jwks.hits).toBe(1)
      // The used jti survived the restart as well.
      await refusedGrant(t, () => exchange(t, usedBefore), '"jti" has already been used')
      // And the endpoint really is down: a key the database does not know cannot be had.
      await refusedGrant(t, async () => exchange(t, await unknownKidToken(t)), "no key in the partner's JWKS matches")
    }))

  it('verifies inline JWKS partners with no fetch at all', () =>
    withServer({ inlineJwks: true }, async (t) => {
      await expectIssued(await exchange(t, await t.sign()))
      await refusedGrant(t, async () => exchange(t, await unknownKidToken(t)), "no key in the partner's JWKS matches")
      await expectIssued(await exchange(t, await t.sign({ sub: 'again' })))
      expect(t.jwks.hits).toBe(0)
      expect(t.jwks.connections).toBe(0)
    }))

  it('refuses a JWKS URL at a private address that is not in outbound.allowPrivateRanges', () =>
    withServer({ config: { 'outbound.allowPrivateRanges': [] } }, async (t) => {
      // The test partner's JWKS URL is http://127.0.0.1:<port>.
      await refusedGrant(
        t,
        async () => exchange(t, await t.sign()),
        "the partner's JWKS could not be fetched: refusing http: request to 127.0.0.1",
      )
      // https changes nothing: loopback is refused by address, and a name resolving to it after DNS resolution.
      const port = t.jwks.port
      const cases = [
        [`https://127.0.0.1:${port}/.well-known/jwks.json`, 'refusing to connect to 127.0.0.1: private, loopback or reserved address'],
        [
          `https://localhost:${port}/.well-known/jwks.json`,
          /refusing to connect to localhost \(.+\): private, loopback or reserved address/,
        ],
        [`http://localhost:${port}/.well-known/jwks.json`, 'https is required'],
        [`https://[::ffff:127.0.0.1]:${port}/.well-known/jwks.json`, 'private, loopback or reserved address'],
      ] as const
      for (const [i, [jwksUrl, description]] of cases.entries()) {
        const partner = await t.addPartner({ id: `private-${i}`, jwksUrl })
        const token = await partner.sign({}, { key: t.key })
        await refusedGrant(t, () => postToken(t.url, partner, { params: exchangeParams(token) }), description)
      }
      expect(t.jwks.hits).toBe(0)
      expect(t.jwks.connections).toBe(0)
    }))

  it('refuses a JWKS response over jwks.maxBytes', () =>
    withServer({ config: { 'jwks.maxBytes': 1024, 'jwks.cooldown': 0 } }, async (t) => {
      const filler = await Promise.all(Array.from({ length: 8 }, () => newPartnerKey('ES256')))
      // The real key is in there: only the size can make the fetch fail.
      t.jwks.keys = [t.key.publicJwk, ...filler.map((k) => k.publicJwk)]
      expect(JSON.stringify({ keys: t.jwks.keys }).length).toBeGreaterThan(1024)
      await refusedGrant(t, async () => exchange(t, await t.sign()), /response of \d+ bytes exceeds the 1024 byte cap/)
      // Without a Content-Length (chunked), the cap applies while reading.
      t.jwks.chunked = true
      await refusedGrant(t, async () => exchange(t, await t.sign()), 'response exceeds the 1024 byte cap')
      expect(t.jwks.hits).toBe(2)
      // Control: the same endpoint with a key set under the cap works.
      t.jwks.keys = [t.key.publicJwk]
      await expectIssued(await exchange(t, await t.sign()))
    }))

  it('does not follow a redirect from the JWKS endpoint', () =>
    withServer({ config: { 'jwks.cooldown': 0 } }, async (t) => {
      const elsewhere = await new JwksServer().start()
      try {
        elsewhere.keys = [t.key.publicJwk]
        t.jwks.redirectTo = elsewhere.url
        await refusedGrant(t, async () => exchange(t, await t.sign()), 'JWKS endpoint answered HTTP 302')
        expect(t.jwks.hits).toBe(1)
        expect(elsewhere.hits).toBe(0)
        expect(elsewhere.connections).toBe(0)
        // Control: the key served at the redirect target is the right one, had it been at the partner's URL.
        t.jwks.redirectTo = undefined
        await expectIssued(await exchange(t, await t.sign()))
      } finally {
        await elsewhere.stop()
      }
    }))
})

import type { ActionDefinition } from '@patchbay/catalog'
import { readFileSync } from 'node:fs'
import { appsDir } from '@patchbay/catalog'
import { exportJWK, type JWK } from 'jose'
import type { Kysely } from 'kysely'
import { parse as parseYaml } from 'yaml'
import type { Database } from '../../../server/src/db/schema.js'
import { GOOD_STRIPE_KEY } from '../../../server/test/helpers/connect-setup.js'
import type { DatabaseTarget } from '../../../server/test/helpers/databases.js'
import { type FakeApi, startFakeApi, stripeAccountRoute } from '../../../server/test/helpers/fake-api.js'
import { startTestServer, type TestServer } from '../../../server/test/helpers/test-server.js'
import { type Receiver, startReceiver } from '../../../server/test/helpers/webhooks.js'
import { Patchbay, type PatchbayOptions } from '../../src/index.js'

export { GOOD_STRIPE_KEY }

/** One request the SDK sent, seen through the `fetch` option. */
export interface SentRequest {
  method: string
  url: URL
  authorization: string | null
}

/** A `fetch` that records every request before sending it with the global fetch. */
export function countingFetch(): { fetch: typeof fetch; requests: SentRequest[] } {
  const requests: SentRequest[] = []
  const wrapped: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    requests.push({ method: request.method, url: new URL(request.url), authorization: request.headers.get('authorization') })
    return fetch(input, init)
  }
  return { fetch: wrapped, requests }
}

export interface SdkSetup {
  t: TestServer
  db: Kysely<Database>
  /** The local stand-in for Stripe's API behind the `fakestripe` app. */
  fakeApi: FakeApi
  /** The partner's webhook endpoint. */
  receiver: Receiver
  /** The partner's webhook secret (`whsec_…`). */
  webhookSecret: string
  /** The partner's private key as a JWK (with kid and alg), as a partner backend keeps it. */
  privateJwk: JWK
  /** An SDK for the test partner, with a counting fetch; `overrides` replace options. */
  sdk(overrides?: Partial<PatchbayOptions>): { patchbay: Patchbay; requests: SentRequest[] }
  /** Revokes, on the server, every access token the SDK sent in `requests` (as an operator would). */
  revokeSentTokens(requests: SentRequest[]): Promise<void>
  close(): Promise<void>
}

/**
 * The real Patchbay server (partner `acme`: issuer https://partner.example, audience patchbay,
 * tenant claim `org`) with the catalog's Stripe entry re-pointed at a local fake as `fakestripe`
 * (GOOD_STRIPE_KEY is the key it accepts), and a webhook receiver registered for the partner.
 */
export async function startSdkSetup(
  target: DatabaseTarget,
  config: Record<string, unknown> = {},
  actions: ActionDefinition[] = [],
): Promise<SdkSetup> {
  const fakeApi = await startFakeApi({
    routes: { 'GET /v1/account': stripeAccountRoute({ validKey: GOOD_STRIPE_KEY, email: 'billing@acme.test' }) },
  })
  const receiver = await startReceiver()
  const stripe = parseYaml(readFileSync(`${appsDir}/stripe/app.yaml`, 'utf8')) as Record<string, unknown>
  const fakeStripe = {
    ...stripe,
    key: 'fakestripe',
    name: 'Stripe (local)',
    api: { base_url: `${fakeApi.url}/v1`, allowed_hosts: ['127.0.0.1'] },
  }
  const t = await startTestServer({
    target,
    partner: { webhookUrl: receiver.url },
    actions,
    config: { apps: [fakeStripe], 'webhooks.pollMs': 20, 'webhooks.retrySchedule': [0.2], 'webhooks.maxAttempts': 3, ...config },
  })
  const webhookSecret = await t.server.services.webhookSecrets.rotate(t.partner.id)
  const privateJwk = { ...(await exportJWK(t.key.privateKey)), kid: t.key.kid, alg: t.key.alg }
  return {
    t,
    db: t.server.services.database.db,
    fakeApi,
    receiver,
    webhookSecret,
    privateJwk,
    sdk(overrides = {}) {
      const { fetch, requests } = countingFetch()
      const patchbay = new Patchbay({
        baseUrl: t.url,
        clientId: t.partner.clientId,
        clientSecret: t.partner.clientSecret,
        privateKey: privateJwk,
        issuer: t.partner.issuer,
        audience: t.partner.audience,
        fetch,
        ...overrides,
      })
      return { patchbay, requests }
    },
    async revokeSentTokens(requests) {
      const tokens = new Set(requests.map((r) => /^Bearer (pbat_\S+)$/.exec(r.authorization ?? '')?.[1]).filter((x) => x !== undefined))
      if (tokens.size === 0) throw new Error('no access token was sent')
      for (const token of tokens) await t.server.services.accessTokens.revoke(token)
    },
    async close() {
      await t.close()
      await receiver.close()
      await fakeApi.close()
    },
  }
}

/** Requests to the token endpoint among `requests`. */
export function tokenRequests(requests: SentRequest[]): SentRequest[] {
  return requests.filter((r) => r.url.pathname === '/oauth/token')
}

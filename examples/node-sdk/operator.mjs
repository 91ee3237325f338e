// The operator API of the Patchbay backend SDK: every end user's connections and the webhook events
// Patchbay sent you, from a back-office job, with its own retries and time limits.
// Run with: PATCHBAY_URL=… CLIENT_ID=… CLIENT_SECRET=… TENANT=workspace-42 node operator.mjs
import { Patchbay, PatchbayError } from '@patchbay/node'

const { PATCHBAY_URL, CLIENT_ID, CLIENT_SECRET, TENANT } = process.env

// The operator API takes the client id and secret alone (no signing key). Safe calls are retried up
// to 4 times after a network error, a 429 or a 5xx, each attempt limited to 10 seconds.
const patchbay = new Patchbay({ baseUrl: PATCHBAY_URL, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, maxRetries: 4, timeoutMs: 10_000 })

// 1. Every connection of one tenant, whichever end user's, page after page.
for await (const c of patchbay.partner.connections.listAll({ tenantId: TENANT })) {
  console.log(`connection: ${c.id} ${c.app} ${c.status} ${c.end_user.user_id}`)
}

// 2. Webhook events whose delivery failed: send them again.
for await (const event of patchbay.partner.webhookEvents.listAll({ status: 'failed' })) {
  const queued = await patchbay.partner.webhookEvents.redeliver(event.id)
  console.log(`redelivered: ${queued.type} ${queued.id}`)
}

// 3. A call with its own limit; every error names the request, as Patchbay's log does (`reqId`).
try {
  await patchbay.partner.connections.get('conn_unknown', { timeoutMs: 2_000, signal: AbortSignal.timeout(5_000) })
} catch (err) {
  if (!(err instanceof PatchbayError)) throw err
  console.log(`error: ${err.code} ${err.requestId}`)
}

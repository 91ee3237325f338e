// The Patchbay backend SDK: act for one of your end users, mint a Connect UI link for their browser,
// connect an API-key app from your backend, list their connections and call the app through Patchbay.
// Run with: PATCHBAY_URL=… CLIENT_ID=… CLIENT_SECRET=… PARTNER_PRIVATE_JWK='{"kty":"EC",…}' APP=stripe API_KEY=sk_test_… node quickstart.mjs
import { CredentialRevokedError, Patchbay } from '@patchbay/node'

const { PATCHBAY_URL, CLIENT_ID, CLIENT_SECRET, PARTNER_PRIVATE_JWK, APP, API_KEY } = process.env

const patchbay = new Patchbay({
  baseUrl: PATCHBAY_URL,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  // The private half of a key in your JWKS: the SDK signs a short-lived JWT per end user with it.
  privateKey: JSON.parse(PARTNER_PRIVATE_JWK),
  issuer: 'https://partner.example',
  audience: 'patchbay',
})

// Everything below acts as this end user; access tokens are exchanged once and cached.
const user = patchbay.forUser({ userId: 'user-123', tenantId: 'workspace-42' })

// 1. For the browser: a single-use code that opens the Connect UI (or the widget's open({ token })).
const session = await user.createConnectSession({ apps: [APP] })
console.log(`connect: ${PATCHBAY_URL}/to/${APP}?token=${session.token}`)

// 2. From your backend: connect an API-key app directly (the key is checked with the app first).
const connection = await user.connections.create({ app: APP, credentials: { api_key: API_KEY } })

// 3. The user's connections, every page.
for await (const c of user.connections.listAll()) console.log(`connection: ${c.id} ${c.app} ${c.status} ${c.account_identifier}`)

// 4. Call the app's API with the connection's credentials injected: a standard fetch Response.
try {
  const res = await user.proxy(connection.id, '/account')
  console.log(`account: ${JSON.stringify(await res.json())}`)
} catch (err) {
  // The provider revoked the grant: mint a session with reconnectId: connection.id to repair it.
  if (err instanceof CredentialRevokedError) console.log(`reconnect ${err.connectionId}`)
  else throw err
}

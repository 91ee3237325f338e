// Sign a JWT for one of your end users and exchange it for a Patchbay access token (RFC 8693).
// Run with: PATCHBAY_URL=… CLIENT_ID=… CLIENT_SECRET=… PARTNER_PRIVATE_JWK='{"kty":"EC",…}' node exchange.mjs
import { randomUUID } from 'node:crypto'
import { importJWK, SignJWT } from 'jose'

const { PATCHBAY_URL, CLIENT_ID, CLIENT_SECRET, PARTNER_PRIVATE_JWK } = process.env
const jwk = JSON.parse(PARTNER_PRIVATE_JWK)
const key = await importJWK(jwk, jwk.alg)

// 1. Your backend signs a short-lived JWT naming the end user (and their workspace).
const subjectToken = await new SignJWT({ org: 'workspace-42' })
  .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid })
  .setIssuer('https://partner.example')
  .setAudience('patchbay')
  .setSubject('user-123')
  .setJti(randomUUID())
  .setIssuedAt()
  .setExpirationTime('5m')
  .sign(key)

// 2. Exchange it: an access token for your backend (or, with requested_token_type
//    urn:patchbay:params:oauth:token-type:connect_session, a session code for the browser).
const res = await fetch(`${PATCHBAY_URL}/oauth/token`, {
  method: 'POST',
  headers: { authorization: `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}` },
  body: new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  }),
})
const tokens = await res.json()
if (!res.ok) throw new Error(`${tokens.error}: ${tokens.error_description}`)

// 3. Call the REST API as that end user.
const me = await fetch(`${PATCHBAY_URL}/v1/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
console.log(JSON.stringify(await me.json()))

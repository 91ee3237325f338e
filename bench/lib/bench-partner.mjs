/**
 * The partner a benchmark's Patchbay serves (an ES256 key of its own, a client secret) and the token
 * exchange that gives one end user an access token, as a partner's backend does it.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto'

const ISSUER = 'https://bench.partner.example'
const AUDIENCE = 'patchbay-bench'

/** `config` goes into Patchbay's config file (`partners: [config]`); the rest stays with the caller. */
export function benchPartner() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const key = { kid: 'bench-es256', privateKey }
  const clientSecret = `pbcs_${randomBytes(32).toString('base64url')}`
  const config = {
    id: 'bench',
    name: 'Benchmark partner',
    jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: key.kid, alg: 'ES256', use: 'sig' }] },
    algorithms: ['ES256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    userClaim: 'sub',
    tenantClaim: 'org',
    clientId: 'bench',
    // What `patchbay partner hash-secret` prints (lib/random.ts hashSecret).
    clientSecretHash: `sha256$${createHash('sha256').update(clientSecret).digest('base64url')}`,
  }
  return { config, key, clientSecret, clientAuth: `Basic ${Buffer.from(`bench:${clientSecret}`).toString('base64')}` }
}

/**
 * An access token for end user `bench-user` (tenant `bench-org`), through `POST /oauth/token`; `params`
 * adds exchange parameters (e.g. `resource` for /mcp).
 */
export async function exchangeToken(url, partner, params = {}) {
  const now = Math.floor(Date.now() / 1000)
  const jwt = signJwt(partner.key, {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'bench-user',
    org: 'bench-org',
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
  })
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: partner.clientAuth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: jwt,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      ...params,
    }),
  })
  const token = await res.json()
  if (res.status !== 200) throw new Error(`token exchange answered ${res.status} ${JSON.stringify(token)}`)
  return token.access_token
}

function signJwt(key, payload) {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: key.kid, typ: 'JWT' })).toString('base64url')
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  const input = `${header}.${body}`
  return `${input}.${sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

/** The custom API-key app `benchapi` every benchmark connects its end user to, its API at `baseUrl`. */
export function benchApiApp(baseUrl, description) {
  return {
    key: 'benchapi',
    name: 'Benchmark API',
    description,
    categories: ['developer-tools'],
    docs_url: 'https://example.test/docs',
    api: { base_url: baseUrl, allowed_hosts: ['127.0.0.1'] },
    auth: [
      {
        key: 'api_key',
        type: 'api_key',
        credential_fields: [{ key: 'api_key', label: 'API key', secret: true }],
        inject: { headers: { Authorization: 'Bearer {credentials.api_key}' } },
      },
    ],
  }
}

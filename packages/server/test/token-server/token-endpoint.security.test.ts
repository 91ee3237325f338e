import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import {
  ACCESS_TOKEN_TYPE,
  exchange,
  exchangeParams,
  expectIssued,
  expectRefused,
  JWT_TYPE,
  postToken,
  SESSION_TYPE,
  TOKEN_EXCHANGE,
  type TokenResponse,
} from '../helpers/token-request.js'

/**
 * docs/security.md, "Token endpoint" and "Abuse": every test sends a bad token request to the running
 * server and expects the RFC 6749 / RFC 8693 error, `no-store`, and no row written. Where it matters,
 * the request carries a perfectly good subject_token, so only the rule under test can refuse it.
 */

describe.each(databaseTargets)('token endpoint security ($name)', (target) => {
  let t: TestServer

  beforeAll(async () => {
    t = await startTestServer({ target })
  })
  afterAll(() => t?.close())

  const refused = (send: () => Promise<TokenResponse>, status: number, error: string, description: RegExp | string) =>
    expectRefused(t, send, { status, error, description })

  describe('client authentication', () => {
    it('refuses a wrong client secret with client_secret_basic (401 and WWW-Authenticate)', async () => {
      const token = await t.sign()
      const res = await refused(
        () => postToken(t.url, { ...t.partner, clientSecret: `${t.partner.clientSecret}x` }, { params: exchangeParams(token) }),
        401,
        'invalid_client',
        'client authentication failed',
      )
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="patchbay"/)
      // The token was not consumed: the right secret still exchanges it.
      await expectIssued(await exchange(t, token))
    })

    it('refuses a wrong client secret with client_secret_post', async () => {
      const token = await t.sign()
      for (const clientSecret of [`${t.partner.clientSecret}x`, t.partner.clientSecret.slice(0, -1), 'pbsk_wrong']) {
        await refused(
          () => postToken(t.url, { ...t.partner, clientSecret }, { params: exchangeParams(token), auth: 'post' }),
          401,
          'invalid_client',
          'client authentication failed',
        )
      }
      await expectIssued(await exchange(t, token, {}, 'post'))
    })

    it('refuses an unknown client', async () => {
      const token = await t.sign()
      for (const auth of ['basic', 'post'] as const) {
        for (const clientId of ['nobody', 'ACME', 'x'.repeat(200)]) {
          const res = await refused(
            () => postToken(t.url, { clientId, clientSecret: t.partner.clientSecret }, { params: exchangeParams(token), auth }),
            401,
            'invalid_client',
            'client authentication failed',
          )
          // Same answer as a wrong secret: nothing tells which client ids exist.
          expect(res.json.error_description).toBe('client authentication failed')
          if (auth === 'basic') expect(res.headers.get('www-authenticate')).toMatch(/^Basic /)
        }
      }
    })

    it('refuses a request without client authentication (401 invalid_client)', async () => {
      const res = await refused(
        () => postToken(t.url, t.partner, { params: exchangeParams('unused'), auth: 'none' }),
        401,
        'invalid_client',
        'client authentication is required',
      )
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /)
      // An id without a secret, and a secret without an id, are no authentication either.
      await refused(
        () => postToken(t.url, t.partner, { params: { ...exchangeParams('unused'), client_id: t.partner.clientId }, auth: 'none' }),
        401,
        'invalid_client',
        'client_id and client_secret are both required',
      )
      await refused(
        () => postToken(t.url, t.partner, { params: { ...exchangeParams('unused'), client_secret: t.partner.clientSecret }, auth: 'none' }),
        401,
        'invalid_client',
        'client_id and client_secret are both required',
      )
    })

    it('refuses an Authorization header that is not Basic credentials', async () => {
      const token = await t.sign()
      for (const authorization of [
        `Bearer ${t.partner.clientSecret}`,
        'Basic',
        'Basic !!!',
        `Basic ${Buffer.from(`${t.partner.clientId}${t.partner.clientSecret}`).toString('base64')}`,
      ]) {
        const res = await refused(
          () => postToken(t.url, t.partner, { params: exchangeParams(token), headers: { authorization } }),
          401,
          'invalid_client',
          'not valid Basic credentials',
        )
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic /)
      }
    })

    it('refuses Basic and body credentials together (400 invalid_request)', async () => {
      const token = await t.sign()
      // Both valid and identical: RFC 6749 §2.3 still forbids more than one method.
      await refused(
        () =>
          postToken(t.url, t.partner, {
            params: { ...exchangeParams(token), client_id: t.partner.clientId, client_secret: t.partner.clientSecret },
            auth: 'basic',
          }),
        400,
        'invalid_request',
        'use one client authentication method',
      )
      await refused(
        () => postToken(t.url, t.partner, { params: { ...exchangeParams(token), client_id: t.partner.clientId }, auth: 'basic' }),
        400,
        'invalid_request',
        'use one client authentication method',
      )
    })
  })

  describe('request syntax', () => {
    it('refuses a missing grant_type', async () => {
      const { grant_type: _g, ...params } = exchangeParams(await t.sign())
      await refused(() => postToken(t.url, t.partner, { params }), 400, 'invalid_request', 'grant_type is required')
      await refused(
        () => postToken(t.url, t.partner, { params: { ...params, grant_type: '' } }),
        400,
        'invalid_request',
        'grant_type is required',
      )
    })

    it('refuses an unsupported grant_type', async () => {
      const token = await t.sign()
      for (const grantType of [
        'client_credentials',
        'authorization_code',
        'refresh_token',
        'password',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
        `${TOKEN_EXCHANGE} `,
      ]) {
        await refused(
          () => postToken(t.url, t.partner, { params: { ...exchangeParams(token), grant_type: grantType, code: 'x', assertion: token } }),
          400,
          'unsupported_grant_type',
          `grant_type must be ${TOKEN_EXCHANGE}`,
        )
      }
    })

    it('refuses a missing subject_token', async () => {
      const { subject_token: _s, ...params } = exchangeParams('unused')
      await refused(() => postToken(t.url, t.partner, { params }), 400, 'invalid_request', 'subject_token is required')
    })

    it('refuses a missing subject_token_type', async () => {
      const { subject_token_type: _s, ...params } = exchangeParams(await t.sign())
      await refused(() => postToken(t.url, t.partner, { params }), 400, 'invalid_request', 'subject_token_type is required')
    })

    it('refuses a wrong subject_token_type', async () => {
      const token = await t.sign()
      for (const type of [
        ACCESS_TOKEN_TYPE,
        'urn:ietf:params:oauth:token-type:id_token',
        'urn:ietf:params:oauth:token-type:saml2',
        SESSION_TYPE,
        'jwt',
      ]) {
        await refused(
          () => postToken(t.url, t.partner, { params: exchangeParams(token, { subject_token_type: type }) }),
          400,
          'invalid_request',
          `subject_token_type must be ${JWT_TYPE}`,
        )
      }
    })

    it('refuses an unknown requested_token_type', async () => {
      await refused(
        () => exchange(t, 'unused', { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }),
        400,
        'invalid_request',
        'requested_token_type must be',
      )
    })

    it('refuses an actor_token (delegation)', async () => {
      const token = await t.sign()
      await refused(() => exchange(t, token, { actor_token: token, actor_token_type: JWT_TYPE }), 400, 'invalid_request', 'actor_token')
    })

    it('refuses an unknown scope (invalid_scope)', async () => {
      const token = await t.sign()
      for (const scope of ['admin', 'connections:read admin', 'connections:*', 'CONNECT']) {
        await refused(() => exchange(t, token, { scope }), 400, 'invalid_scope', 'unknown scope')
      }
      // A connect session code carries the scope "connect" and nothing else.
      await refused(
        () => exchange(t, token, { requested_token_type: SESSION_TYPE, scope: 'connections:read' }),
        400,
        'invalid_scope',
        'scope "connect" only',
      )
    })

    it('refuses a resource or audience naming another server (invalid_target)', async () => {
      const token = await t.sign()
      const others = [
        'https://evil.example',
        `${t.url}.evil.example`,
        `${t.url}@evil.example`,
        `${t.url}/v2`,
        t.url.replace('http:', 'https:'),
      ]
      for (const param of ['resource', 'audience']) {
        for (const value of others) {
          await refused(() => exchange(t, token, { [param]: value }), 400, 'invalid_target', `${param} must be ${t.url}`)
        }
      }
      // Control: naming this server is fine.
      await expectIssued(await exchange(t, token, { resource: t.url, audience: `${t.url}/v1` }))
    })

    it('refuses a JSON body instead of a form', async () => {
      const token = await t.sign()
      await refused(
        () => postToken(t.url, t.partner, { body: { contentType: 'application/json', text: JSON.stringify(exchangeParams(token)) } }),
        400,
        'invalid_request',
        'must be application/x-www-form-urlencoded',
      )
      // The same form, mislabelled as text/plain, is not read as a form either.
      const form = new URLSearchParams(exchangeParams(token) as Record<string, string>).toString()
      await refused(() => postToken(t.url, t.partner, { body: { contentType: 'text/plain', text: form } }), 400, 'invalid_request', /body/)
      // The token was never consumed.
      await expectIssued(await exchange(t, token))
    })

    it('refuses a repeated parameter', async () => {
      const token = await t.sign()
      await refused(
        () => postToken(t.url, t.partner, { params: exchangeParams(token, { grant_type: [TOKEN_EXCHANGE, TOKEN_EXCHANGE] }) }),
        400,
        'invalid_request',
        'grant_type',
      )
      const other = await t.sign({ sub: 'someone-else' })
      await refused(
        () => postToken(t.url, t.partner, { params: exchangeParams(token, { subject_token: [token, other] }) }),
        400,
        'invalid_request',
        'subject_token',
      )
      await refused(
        () => postToken(t.url, t.partner, { params: exchangeParams(token, { scope: ['connect', 'proxy'] }) }),
        400,
        'invalid_request',
        'scope',
      )
      await refused(
        () =>
          postToken(t.url, t.partner, {
            params: {
              ...exchangeParams(token),
              client_id: [t.partner.clientId, t.partner.clientId],
              client_secret: t.partner.clientSecret,
            },
            auth: 'none',
          }),
        400,
        'invalid_request',
        'client_id',
      )
    })

    it('refuses a body over bodyLimitBytes', async () => {
      const token = await t.sign()
      await refused(
        () => exchange(t, token, { custom_state: 'x'.repeat(t.config.bodyLimitBytes) }),
        400,
        'invalid_request',
        'request body too large',
      )
    })
  })

  describe("Patchbay's own tokens as subject_token", () => {
    it("refuses Patchbay's own access token as subject_token", async () => {
      const { access_token } = await expectIssued(await exchange(t, await t.sign({ sub: 'alice' })))
      expect(access_token).toMatch(/^pbat_/)
      await refused(() => exchange(t, access_token), 400, 'invalid_grant', 'Patchbay-issued tokens cannot be exchanged')
      await refused(() => exchange(t, access_token, {}, 'post'), 400, 'invalid_grant', 'Patchbay-issued tokens cannot be exchanged')
      // Still a valid access token: the attempt did not turn it into anything else.
      const me = await fetch(`${t.url}/v1/me`, { headers: { authorization: `Bearer ${access_token}` } })
      expect(me.status).toBe(200)
    })

    it('refuses a connect session code as subject_token', async () => {
      const session = await expectIssued(await exchange(t, await t.sign({ sub: 'alice' }), { requested_token_type: SESSION_TYPE }))
      expect(session.access_token).toMatch(/^pbsc_/)
      await refused(() => exchange(t, session.access_token), 400, 'invalid_grant', 'Patchbay-issued tokens cannot be exchanged')
      await refused(
        () => exchange(t, session.access_token, { requested_token_type: SESSION_TYPE }),
        400,
        'invalid_grant',
        'Patchbay-issued tokens cannot be exchanged',
      )
    })

    it('refuses a client secret as subject_token', async () => {
      await refused(() => exchange(t, t.partner.clientSecret), 400, 'invalid_grant', 'Patchbay-issued tokens cannot be exchanged')
    })
  })

  describe('connect session options', () => {
    it('refuses an unregistered redirect_uri for a connect session, storing nothing', async () => {
      const token = await t.sign({ sub: 'session-user' })
      for (const redirectUri of [
        'https://evil.example/connected',
        'https://partner.example/connected/',
        'https://partner.example/connected/../evil',
        'https://partner.example/connected?next=https://evil.example',
        'https://partner.example@evil.example/connected',
        'HTTPS://partner.example/connected',
        '//evil.example/connected',
        '/\\evil.example',
        'javascript:alert(1)//https://partner.example/connected',
        'data:text/html,<script>alert(1)</script>',
      ]) {
        await refused(
          () => exchange(t, token, { requested_token_type: SESSION_TYPE, redirect_uri: redirectUri }),
          400,
          'invalid_request',
          'redirect_uri does not exactly match',
        )
      }
      // Nothing was consumed: the same subject_token still gets a session with the registered URI.
      const ok = await expectIssued(
        await exchange(t, token, { requested_token_type: SESSION_TYPE, redirect_uri: 'https://partner.example/connected' }),
      )
      expect(ok.issued_token_type).toBe(SESSION_TYPE)
    })

    it('refuses an unregistered allowed_origin for a connect session, storing nothing', async () => {
      const token = await t.sign({ sub: 'session-user' })
      for (const origin of [
        'https://evil.example',
        'https://partner.example.evil.example',
        'https://partner.example:8443',
        'http://partner.example',
        'https://partner.example/',
        '*',
        'null',
      ]) {
        await refused(
          () => exchange(t, token, { requested_token_type: SESSION_TYPE, allowed_origin: origin }),
          400,
          'invalid_request',
          'allowed_origin does not exactly match',
        )
      }
      await expectIssued(await exchange(t, token, { requested_token_type: SESSION_TYPE, allowed_origin: 'https://partner.example' }))
    })

    it('refuses other invalid connect session options, storing nothing', async () => {
      const token = await t.sign()
      const cases: Array<[Record<string, string>, string]> = [
        [{ apps: 'github ../etc' }, 'not a valid app key'],
        [{ reconnect_id: "conn_1' or 1=1" }, 'reconnect_id is not a valid connection id'],
        [{ custom_state: 'x'.repeat(2049) }, 'custom_state is longer than'],
      ]
      for (const [options, description] of cases) {
        await refused(() => exchange(t, token, { requested_token_type: SESSION_TYPE, ...options }), 400, 'invalid_request', description)
      }
    })
  })
})

describe.each(databaseTargets)('token endpoint rate limits ($name)', (target) => {
  /** A server of its own per test: the limits are tiny and their windows must start empty. */
  async function withServer(config: Record<string, unknown>, fn: (t: TestServer) => Promise<void>) {
    const t = await startTestServer({ target, config })
    try {
      await fn(t)
    } finally {
      await t.close()
    }
  }

  async function expectRateLimited(t: TestServer, send: () => Promise<TokenResponse>) {
    const res = await expectRefused(t, send, { status: 429, error: 'too_many_requests', description: 'rate limit exceeded' })
    const retryAfter = Number(res.headers.get('retry-after'))
    expect(Number.isInteger(retryAfter)).toBe(true)
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(t.config.rateLimit.windowSeconds)
    return res
  }

  it('rate-limits the token endpoint per IP', () =>
    withServer({ 'rateLimit.tokenPerIp': 5 }, async (t) => {
      const other = await t.addPartner({ id: 'globex' })
      // Five requests from one IP, whatever client they claim (or none) and whether they succeed.
      expect((await exchange(t, await t.sign())).status).toBe(200)
      expect((await postToken(t.url, { clientId: 'nobody', clientSecret: 'x' }, { params: exchangeParams('x') })).status).toBe(401)
      expect((await postToken(t.url, t.partner, { params: exchangeParams('x'), auth: 'none' })).status).toBe(401)
      expect((await postToken(t.url, other, { params: exchangeParams('x'), auth: 'post' })).status).toBe(400)
      expect((await exchange(t, 'x')).status).toBe(400)
      // The sixth is refused although it is a perfectly good exchange, by a client that has had one request only.
      const token = await other.sign()
      await expectRateLimited(t, () => postToken(t.url, other, { params: exchangeParams(token) }))
      await expectRateLimited(t, () => exchange(t, 'x'))
    }))

  it('rate-limits the token endpoint per client, counting only its authenticated requests', () =>
    withServer({ 'rateLimit.tokenPerClient': 5 }, async (t) => {
      const other = await t.addPartner({ id: 'globex' })
      const wrongSecret = { ...t.partner, clientSecret: 'wrong' }
      // Someone who only knows Acme's client id cannot use up Acme's allowance.
      for (let i = 0; i < 6; i++) {
        expect((await postToken(t.url, wrongSecret, { params: exchangeParams('x'), auth: i % 2 ? 'post' : 'basic' })).status).toBe(401)
      }
      // Five authenticated requests, through both authentication methods, good or bad.
      expect((await exchange(t, await t.sign())).status).toBe(200)
      expect((await exchange(t, await t.sign(), {}, 'post')).status).toBe(200)
      expect((await exchange(t, 'x')).status).toBe(400)
      expect((await exchange(t, await t.sign())).status).toBe(200)
      expect((await exchange(t, 'x', {}, 'post')).status).toBe(400)
      const token = await t.sign()
      await expectRateLimited(t, () => exchange(t, token))
      await expectRateLimited(t, () => exchange(t, token, {}, 'post'))
      // Another client from the same IP is not affected.
      await expectIssued(await postToken(t.url, other, { params: exchangeParams(await other.sign()) }))
    }))
})

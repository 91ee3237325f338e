import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestPartner, type TestServer } from '../helpers/test-server.js'
import { basicAuth, type Client, exchangeParams, expectIssued, postToken } from '../helpers/token-request.js'

/** POSTs to /oauth/revoke as a partner backend would (RFC 7009), with plain fetch. */
async function revoke(
  url: string,
  client: Client | undefined,
  form: Record<string, string>,
  contentType = 'application/x-www-form-urlencoded',
): Promise<{ status: number; headers: Headers; text: string }> {
  const headers: Record<string, string> = { 'content-type': contentType }
  if (client) headers.authorization = basicAuth(client.clientId, client.clientSecret)
  const body = contentType.includes('json') ? JSON.stringify(form) : new URLSearchParams(form).toString()
  const res = await fetch(`${url}/oauth/revoke`, { method: 'POST', headers, body })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

describe.each(databaseTargets)('token revocation, RFC 7009 ($name)', (target) => {
  let t: TestServer
  let other: TestPartner

  beforeAll(async () => {
    t = await startTestServer({ target })
    other = await t.addPartner({ id: 'other' })
  })
  afterAll(() => t?.close())

  async function accessToken(): Promise<string> {
    return (await expectIssued(await postToken(t.url, t.partner, { params: exchangeParams(await t.sign()) }))).access_token
  }

  async function statusWith(token: string, path: string): Promise<number> {
    const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
    await res.arrayBuffer()
    return res.status
  }

  it('revokes the partner’s own token at once: /v1 and the proxy refuse it from the next call', async () => {
    const token = await accessToken()
    // Used twice first, so it is certainly served from memory when revoked.
    expect(await statusWith(token, '/v1/me')).toBe(200)
    expect(await statusWith(token, '/v1/me')).toBe(200)
    expect(await statusWith(token, '/v1/proxy/conn_none/x')).toBe(404)

    const res = await revoke(t.url, t.partner, { token, token_type_hint: 'access_token' })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect(res.headers.get('cache-control')).toBe('no-store')

    expect(await statusWith(token, '/v1/proxy/conn_none/x')).toBe(401)
    expect(await statusWith(token, '/v1/me')).toBe(401)
    // Revoking again, or revoking what is not a token, answers the same.
    expect((await revoke(t.url, t.partner, { token })).status).toBe(200)
    expect((await revoke(t.url, t.partner, { token: 'not-a-token' })).status).toBe(200)
  })

  it('answers 200 for another partner’s token and leaves it working', async () => {
    const token = await accessToken()
    const res = await revoke(t.url, { clientId: other.clientId, clientSecret: other.clientSecret }, { token })
    expect(res.status).toBe(200)
    expect(await statusWith(token, '/v1/me')).toBe(200)
  })

  it('refuses a request without client authentication, with a wrong secret, without a token or not as a form', async () => {
    const token = await accessToken()
    const none = await revoke(t.url, undefined, { token })
    expect(none.status).toBe(401)
    expect(JSON.parse(none.text).error).toBe('invalid_client')
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic /)

    const wrong = await revoke(t.url, { ...t.partner, clientSecret: `${t.partner.clientSecret}x` }, { token })
    expect(wrong.status).toBe(401)
    expect(JSON.parse(wrong.text).error).toBe('invalid_client')

    const missing = await revoke(t.url, t.partner, {})
    expect(missing.status).toBe(400)
    expect(JSON.parse(missing.text).error).toBe('invalid_request')

    const json = await revoke(t.url, t.partner, { token }, 'application/json')
    expect(json.status).toBe(400)
    expect(JSON.parse(json.text).error).toBe('invalid_request')

    // None of these revoked anything.
    expect(await statusWith(token, '/v1/me')).toBe(200)
  })

  it('is advertised in the authorization server metadata (RFC 8414)', async () => {
    const metadata = (await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
    expect(metadata.revocation_endpoint).toBe(`${t.url}/oauth/revoke`)
    expect(metadata.revocation_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post'])
  })
})

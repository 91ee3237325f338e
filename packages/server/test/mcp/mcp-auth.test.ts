import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashSecret } from '../../src/lib/random.js'
import { databaseTargets } from '../helpers/databases.js'
import { basicAuth, exchange } from '../helpers/token-request.js'
import { type RunSetup, startRunSetup } from '../runs/run-setup.js'
import { mcpClient, mcpToken } from './mcp-setup.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
type Json = any

const listTools = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }

describe.each(databaseTargets)('MCP authorization ($name)', (target) => {
  let s: RunSetup
  let metadataUrl: string

  /** A raw 2025-era request (no session needed: the endpoint is stateless). */
  const post = async (token: string | undefined, body: unknown = listTools, headers: Record<string, string> = {}) => {
    const res = await fetch(`${s.t.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, text }
  }

  beforeAll(async () => {
    s = await startRunSetup(target, { config: { 'mcp.requestsPerWindow': 60 } })
    metadataUrl = `${s.t.url}/.well-known/oauth-protected-resource/mcp`
  })
  afterAll(async () => {
    await s?.close()
  })

  it('publishes protected resource metadata (RFC 9728): /mcp at its path-suffixed address, the REST API at the bare one', async () => {
    const mcp = await fetch(metadataUrl)
    expect(mcp.status).toBe(200)
    expect(await mcp.json()).toMatchObject({
      resource: `${s.t.url}/mcp`,
      authorization_servers: [s.t.url],
      scopes_supported: ['mcp'],
      bearer_methods_supported: ['header'],
    })
    const api = await fetch(`${s.t.url}/.well-known/oauth-protected-resource`)
    expect(await api.json()).toMatchObject({ resource: s.t.url, authorization_servers: [s.t.url] })
  })

  it('answers 401 with the resource metadata in WWW-Authenticate without a token', async () => {
    const res = await post(undefined)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadataUrl}"`)
    expect(JSON.parse(res.text).error.code).toBe('PB_ERR_UNAUTHORIZED')
  })

  it('refuses a REST token at /mcp and an MCP token at the REST API and the proxy (audiences)', async () => {
    const rest = await post(s.alice.token)
    expect(rest.status).toBe(401)
    expect(rest.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer resource_metadata="${metadataUrl}", error="invalid_token"`))
    const token = await mcpToken(s.t, 'alice')
    expect((await post(token)).status).toBe(200)
    const me = await s.api('/v1/me', { token })
    expect(me.status).toBe(401)
    const proxied = await fetch(`${s.t.url}/v1/proxy/${s.conn}/tasks/t1`, { headers: { authorization: `Bearer ${token}` } })
    expect(proxied.status).toBe(401)
    await proxied.body?.cancel()
    // The official client surfaces the refusal instead of connecting.
    await expect(mcpClient(s.t, s.alice.token)).rejects.toThrow()
  })

  it('refuses a token of the MCP audience without the mcp scope with 403 insufficient_scope', async () => {
    const token = await mcpToken(s.t, 'alice', { scope: 'actions' })
    const res = await post(token)
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadataUrl}", error="insufficient_scope", scope="mcp"`)
  })

  it('mints MCP tokens only for /mcp, only for toolsets that exist', async () => {
    const noResource = await exchange(s.t, await s.t.sign({ sub: 'alice' }), { scope: 'mcp' })
    expect(noResource.status).toBe(400)
    expect(noResource.json.error).toBe('invalid_scope')
    const toolsetWithoutResource = await exchange(s.t, await s.t.sign({ sub: 'alice' }), { toolset: 'default' })
    expect(toolsetWithoutResource.json.error).toBe('invalid_request')
    const unknown = await exchange(s.t, await s.t.sign({ sub: 'alice' }), { resource: `${s.t.url}/mcp`, toolset: 'nope' })
    expect(unknown.json).toMatchObject({ error: 'invalid_request', error_description: 'toolset nope does not exist' })
    const otherHost = await exchange(s.t, await s.t.sign({ sub: 'alice' }), { resource: 'https://evil.example/mcp' })
    expect(otherHost.json.error).toBe('invalid_target')
    const mixed = await exchange(s.t, await s.t.sign({ sub: 'alice' }), { resource: `${s.t.url}/mcp`, audience: s.t.url })
    expect(mixed.json.error).toBe('invalid_target')
    const issued = await exchange(s.t, await s.t.sign({ sub: 'alice' }), { resource: `${s.t.url}/mcp` })
    expect(issued.json).toMatchObject({ scope: 'mcp', token_type: 'Bearer' })
    // A malformed name is refused without being echoed.
    const odd = await exchange(s.t, await s.t.sign({ sub: 'alice' }), { resource: `${s.t.url}/mcp`, toolset: 'x\r\nInjected: 1' })
    expect(odd.json).toEqual({ error: 'invalid_request', error_description: 'toolset is not a toolset name' })
  })

  it("refuses the tokens of a deleted toolset, the partner's own default included (never widened to the built-in one)", async () => {
    const { toolsets } = s.t.server.services
    await toolsets.save(s.alice.partnerId, 'default', { actions: [{ action: 'tasks.create_task', preset: { project: 'p2' } }] })
    const token = await mcpToken(s.t, 'alice')
    expect((await post(token)).status).toBe(200)
    await toolsets.delete(s.alice.partnerId, 'default')
    expect((await post(token)).status).toBe(401)
    await toolsets.save(s.alice.partnerId, 'default', { apps: ['tasks'] })
    expect((await post(token)).status).toBe(401)
    await toolsets.delete(s.alice.partnerId, 'default')
    // A token for the built-in default keeps working.
    expect((await post(await mcpToken(s.t, 'alice'))).status).toBe(200)
  })

  it("keeps the partner out of the agents' idempotency keys and run origin, refuses batches, and limits each user", async () => {
    const key = await s.api('/v1/runs', {
      body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 't1' } },
      headers: { 'idempotency-key': 'mcp:default:k1' },
    })
    expect(key.status).toBe(400)
    const meta = await s.api('/v1/runs', {
      body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 't1' }, metadata: { mcp: { toolset: 'default' } } },
    })
    expect(meta.status).toBe(400)
    const token = await mcpToken(s.t, 'flood')
    const batch = await post(token, [listTools, { ...listTools, id: 2 }])
    expect(batch.status).toBe(400)
    expect(JSON.parse(batch.text).error.code).toBe(-32600)
    let limited: Awaited<ReturnType<typeof post>> | undefined
    for (let i = 0; i < 70 && !limited; i++) {
      const res = await post(token)
      if (res.status === 429) limited = res
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('refuses expired and revoked tokens, and tokens whose toolset was deleted', async () => {
    const expired = await mcpToken(s.t, 'alice')
    await s.t.server.services.database.db
      .updateTable('access_tokens')
      .set({ expires_at: Date.now() - 1000 })
      .where('token_hash', '=', hashSecret(expired))
      .execute()
    expect((await post(expired)).status).toBe(401)

    const revoked = await mcpToken(s.t, 'alice')
    expect((await post(revoked)).status).toBe(200)
    const revocation = await fetch(`${s.t.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(s.t.partner.clientId, s.t.partner.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: revoked }),
    })
    expect(revocation.status).toBe(200)
    expect((await post(revoked)).status).toBe(401)

    await s.t.server.services.toolsets.save(s.alice.partnerId, 'short-lived', { apps: ['tasks'] })
    const orphan = await mcpToken(s.t, 'alice', { toolset: 'short-lived' })
    expect((await post(orphan)).status).toBe(200)
    await s.t.server.services.toolsets.delete(s.alice.partnerId, 'short-lived')
    const gone = await post(orphan)
    expect(gone.status).toBe(401)
    expect(JSON.parse(gone.text).error.message).toMatch(/toolset short-lived of this token no longer exists/)
  })

  it("refuses a browser page of another origin (DNS rebinding), and keeps one user's runs from another", async () => {
    const token = await mcpToken(s.t, 'alice')
    expect((await post(token, listTools, { origin: 'https://evil.example' })).status).toBe(403)
    expect((await post(token, listTools, { origin: s.t.url })).status).toBe(200)

    const alice = await mcpClient(s.t, token)
    const ran = (await alice.callTool({ name: 'run_action', arguments: { action: 'tasks.get_task', inputs: { id: 't1' } } })) as Json
    const runId = ran._meta['dev.patchbay/run_id']
    const mallory = await mcpClient(s.t, await mcpToken(s.t, 'mallory'))
    const peek = (await mallory.callTool({ name: 'get_run', arguments: { run_id: runId } })) as Json
    expect(peek.structuredContent.error).toMatchObject({ type: 'not_found' })
    const theirs = (await mallory.callTool({ name: 'list_connections', arguments: {} })) as Json
    expect(theirs.structuredContent.connections).toEqual([])
    await alice.close()
    await mallory.close()
  })

  it('refuses a tools/list cursor it did not hand out', async () => {
    const res = await post(await mcpToken(s.t, 'alice'), { ...listTools, params: { cursor: 'bm9wZQ' } })
    expect(res.status).toBe(200)
    expect(res.text).toMatch(/"code":-32602/)
  })
})

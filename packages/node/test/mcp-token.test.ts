import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { type Patchbay, PatchbayError } from '../src/index.js'
import { GOOD_STRIPE_KEY, type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

const actions = [
  defineAction({
    key: 'get_account',
    app: 'fakestripe',
    version: '1.0.0',
    type: 'read',
    title: 'Get the account',
    description: 'Reads the Stripe account.',
    annotations: { readOnly: true, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({}),
    output: Type.Object({ email: Type.String() }),
    run: async (ctx) => ({ email: (await ctx.http.get<{ email: string }>('/account')).data.email }),
  }),
]

describe.each(databaseTargets)('user.mcpToken against the server ($name)', (target) => {
  let s: SdkSetup
  let patchbay: Patchbay

  beforeAll(async () => {
    s = await startSdkSetup(target, {}, actions as never)
    ;({ patchbay } = s.sdk())
    await s.t.server.services.toolsets.save('acme', 'billing', { apps: ['fakestripe'] })
  })
  afterAll(() => s?.close())

  it("mints a token the official MCP client uses at the returned URL to call the user's tools", async () => {
    const user = patchbay.forUser({ userId: 'alice', tenantId: 'org-1' })
    await user.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } })
    const mcp = await user.mcpToken({ toolset: 'billing' })
    expect(mcp).toMatchObject({ url: `${s.t.url}/mcp`, toolset: 'billing', expiresIn: expect.any(Number) })
    const client = new Client({ name: 'sdk-test', version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(mcp.url), { requestInit: { headers: { authorization: `Bearer ${mcp.token}` } } }),
    )
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toContain('fakestripe_get_account')
    const result = await client.callTool({ name: 'fakestripe_get_account', arguments: {} })
    expect(result.structuredContent).toEqual({ email: 'billing@acme.test' })
    await client.close()
    // The REST API refuses the MCP token.
    const rest = await fetch(`${s.t.url}/v1/me`, { headers: { authorization: `Bearer ${mcp.token}` } })
    expect(rest.status).toBe(401)
  })

  it('names an unknown toolset as the server does', async () => {
    const err = await patchbay
      .forUser({ userId: 'alice', tenantId: 'org-1' })
      .mcpToken({ toolset: 'nope' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PatchbayError)
    expect((err as PatchbayError).message).toMatch(/toolset nope does not exist/)
  })
})

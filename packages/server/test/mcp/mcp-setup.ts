import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { TestServer } from '../helpers/test-server.js'
import { exchange } from '../helpers/token-request.js'

/** The protocol eras /mcp serves, as the official client speaks them (docs/mcp.md, "Protocol versions"). */
export const eras = [
  { name: '2026-07-28', options: { versionNegotiation: { mode: { pin: '2026-07-28' } } } },
  { name: '2025-11-25 (initialize)', options: {} },
  { name: '2025-06-18 (initialize)', options: { supportedProtocolVersions: ['2025-06-18'] } },
  { name: '2025-03-26 (initialize)', options: { supportedProtocolVersions: ['2025-03-26'] } },
] as const

export type Era = (typeof eras)[number]

/** An MCP token for `sub` from the token exchange (`resource=<public URL>/mcp`). */
export async function mcpToken(t: TestServer, sub: string, extra: Record<string, string> = {}): Promise<string> {
  const res = await exchange(t, await t.sign({ sub }), { resource: `${t.url}/mcp`, ...extra })
  if (res.status !== 200) throw new Error(`exchange failed: ${JSON.stringify(res.json)}`)
  return res.json.access_token as string
}

/** The official MCP client, connected to /mcp with a bearer token in the given era. */
export async function mcpClient(t: TestServer, token: string, era: Era = eras[0]): Promise<Client> {
  const client = new Client({ name: 'patchbay-test', version: '1.0.0' }, era.options as never)
  const transport = new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  })
  await client.connect(transport)
  return client
}

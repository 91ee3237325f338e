/** What a REST API token may do. Tokens get all of them unless the exchange asks for fewer. */
export const apiScopes = ['connect', 'connections:read', 'connections:write', 'credentials', 'proxy', 'actions'] as const
/** The scope of the MCP endpoint; granted only with `resource=<public URL>/mcp` (docs/mcp.md). */
export const MCP_SCOPE = 'mcp'
/** Every scope the token endpoint knows. */
export const scopes = [...apiScopes, MCP_SCOPE] as const
export type Scope = (typeof scopes)[number]

/** The scopes asked for, or every scope in `defaults` when none are. */
export function parseScope(value: string | undefined, defaults: readonly Scope[] = apiScopes): { scopes: Scope[] } | { unknown: string[] } {
  if (value === undefined || value.trim() === '') return { scopes: [...defaults] }
  const requested = [...new Set(value.trim().split(/ +/))]
  const unknown = requested.filter((s) => !(scopes as readonly string[]).includes(s))
  return unknown.length ? { unknown } : { scopes: requested as Scope[] }
}

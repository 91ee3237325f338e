/** What a Patchbay access token may do. Tokens get all of them unless the exchange asks for fewer. */
export const scopes = ['connect', 'connections:read', 'connections:write', 'credentials', 'proxy', 'actions'] as const
export type Scope = (typeof scopes)[number]

export function parseScope(value: string | undefined): { scopes: Scope[] } | { unknown: string[] } {
  if (value === undefined || value.trim() === '') return { scopes: [...scopes] }
  const requested = [...new Set(value.trim().split(/ +/))]
  const unknown = requested.filter((s) => !(scopes as readonly string[]).includes(s))
  return unknown.length ? { unknown } : { scopes: requested as Scope[] }
}

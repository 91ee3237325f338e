/**
 * The value at a dotted path in parsed JSON (`authed_user.access_token`), or undefined when a step
 * is missing or not an object. Catalog entries name where a provider puts a token or an account id.
 */
export function readDottedPath(value: unknown, path: string): unknown {
  let node = value
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

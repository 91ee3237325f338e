// undici is loaded on the first outbound call, not at start: it is a large module and neither
// /healthz nor most requests need it (docs/operations.md, "Sizing").
let loading: Promise<typeof import('undici')> | undefined

/** The undici module, imported once on first use. */
export function undici(): Promise<typeof import('undici')> {
  return (loading ??= import('undici'))
}

// One reading of Retry-After for the proxy, the webhook dispatcher and the action engine: the catalog
// package owns it because an action's error (docs/actions.md, "Errors") is decided there too.
export { retryAfterMs } from '@patchbay/catalog'

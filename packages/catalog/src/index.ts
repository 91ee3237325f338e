import { fileURLToPath } from 'node:url'

export * from './action-errors.js'
export * from './define-action.js'
export * from './action-request.js'
export * from './dry-run.js'
export { retryAfterMs } from './lib/retry-after.js'

/** Absolute path of the folder holding one `<key>/app.yaml` (and its logo) per app. */
export const appsDir = fileURLToPath(new URL('../../apps/', import.meta.url))

/** Absolute path of the compiled actions: `<key>/actions/<action>.js` per app (built from `apps/<key>/actions/*.ts`). */
export const compiledAppsDir = fileURLToPath(new URL('../apps/', import.meta.url))

import type { ActionDefinition } from '@patchbay/catalog'

/**
 * The catalog's compiled action modules by `<app>/<file>`, when the server runs from its bundle:
 * scripts/bundle-cli.mjs replaces this module with one that imports every action file of the
 * catalog, so a start does not resolve and link them one by one (docs/operations.md, "Sizing").
 * Unbundled (tsc's build, the tests) there is none, and loadActions imports each file.
 */
export const bundledActionModules: ReadonlyMap<string, { default?: ActionDefinition }> | undefined = undefined

/** {@link compiledActionsHash} of the folder the bundled modules were read from. */
export const bundledActionsHash: string | undefined = undefined

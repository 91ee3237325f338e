// `@patchbay/catalog/testing`: replay an action's recorded fixtures without a server or an account
// (docs/actions.md, "Fixtures"). Re-exported by the Node SDK as `@patchbay/node/testing`.
export * from './fixture-fake.js'
export * from './fixtures.js'
export * from './replay.js'

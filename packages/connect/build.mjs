// Builds the widget: dist/index.js (ESM, minified) and dist/patchbay-connect.umd.js (src/umd.ts: the script-tag
// global `PatchbayConnect`, or `module.exports` under CommonJS). Types come from `tsc -p tsconfig.build.json`.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

const dir = new URL('.', import.meta.url).pathname
rmSync(`${dir}dist`, { recursive: true, force: true })
const common = { bundle: true, minify: true, target: 'es2020', legalComments: 'none', logLevel: 'warning' }
await build({ ...common, entryPoints: [`${dir}src/index.ts`], format: 'esm', outfile: `${dir}dist/index.js` })
await build({ ...common, entryPoints: [`${dir}src/umd.ts`], format: 'iife', outfile: `${dir}dist/patchbay-connect.umd.js` })

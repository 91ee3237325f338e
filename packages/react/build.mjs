// Builds dist/index.js (ESM; react and @patchbay/connect stay imports). Types come from `tsc -p tsconfig.build.json`.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

const dir = new URL('.', import.meta.url).pathname
rmSync(`${dir}dist`, { recursive: true, force: true })
await build({
  entryPoints: [`${dir}src/index.tsx`],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  external: ['react', 'react/jsx-runtime', '@patchbay/connect'],
  outfile: `${dir}dist/index.js`,
  logLevel: 'warning',
})

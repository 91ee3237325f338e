// Bundles src/main.tsx (React, @patchbay/react and the widget included) into dist/app.js. Run: node build.mjs
import { build } from 'esbuild'

/** Shared with the browser test, which bundles the same entry in memory. */
export const options = {
  entryPoints: [new URL('./src/main.tsx', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await build({ ...options, outfile: new URL('./dist/app.js', import.meta.url).pathname })
}

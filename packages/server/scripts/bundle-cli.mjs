// Part of `npm run build` (after tsc): bundles dist/cli.js, the program `patchbay` runs, with the
// modules it imports into a few files, written over dist/cli.js (docs/operations.md, "Sizing").
// Node spends most of a start resolving, reading and linking ES modules one by one (about 1,100 of
// them): bundled, a start takes about half the CPU. What the library entry (dist/index.js)
// exports is tsc's output, unbundled.
//
// The catalog's action modules, which loadActions imports by path, are bundled too: the bundle's
// src/actions/bundled-action-modules.js imports each of them, with the hash of the folder they were
// read from (a start imports from disk instead when the folder has changed since). The catalog package and TypeBox are so in
// the bundle once; an operator's own action modules import the installed copies, and the catalog's
// error classes are recognised across the two (packages/catalog/src/define-action.ts).
//
// Left outside the bundle, loaded from node_modules as before: better-sqlite3 (a native addon), and
// the modules start defers to first use (src/lib/optional-modules.ts and the dynamic imports): a
// bundled module would be parsed at start, and the test of what start loads could not see them.
//
// Dynamic imports of the server's own modules become chunks (dist/bundle-*.js), still loaded on first
// use. Every output file is in dist/, so a bundled module's import.meta.url (and a CommonJS module's
// __dirname) is rebuilt from its path relative to dist/, and the build stays movable.
import { readFileSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compiledAppsDir } from '@patchbay/catalog'
import { build } from 'esbuild'
import { compiledActionFiles, compiledActionsHash } from '../dist/actions/compiled-actions-hash.js'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const external = [
  'better-sqlite3',
  'pg',
  'pg-native',
  'graphile-worker',
  'prom-client',
  'yaml',
  'undici',
  'zod',
  '@modelcontextprotocol/server',
  '@fastify/swagger',
  '@fastify/swagger-ui',
]

/** The module that stands for dist/actions/bundled-action-modules.js: every action file loadActions would import. */
function actionModules() {
  const files = compiledActionFiles(compiledAppsDir)
    .filter(({ file }) => !file.startsWith('_'))
    .map(({ app, file, path }) => [`${app}/${file}`, path])
  const imports = files.map(([, path], i) => `import * as action${i} from ${JSON.stringify(path)}`)
  const entries = files.map(([key], i) => `[${JSON.stringify(key)}, action${i}]`)
  return [
    ...imports,
    `export const bundledActionModules = new Map([${entries.join(', ')}])`,
    `export const bundledActionsHash = ${JSON.stringify(compiledActionsHash(compiledAppsDir))}`,
  ].join('\n')
}

/** Where a bundled file was, as an expression valid in every output file (all are in dist/). */
const fromDist = (file) => `new URL(${JSON.stringify(relative(dist, file).split('\\').join('/'))}, __pbDist)`

const movable = {
  name: 'movable',
  setup(b) {
    b.onLoad({ filter: /\.(js|mjs|cjs)$/ }, (args) => {
      if (args.path === join(dist, 'actions', 'bundled-action-modules.js')) {
        return { contents: actionModules(), loader: 'js', resolveDir: dirname(args.path) }
      }
      const source = readFileSync(args.path, 'utf8')
      const meta = source.includes('import.meta.url')
      const paths = /\b__(dirname|filename)\b/.test(source)
      if (!meta && !paths) return undefined
      let contents = meta ? source.replaceAll('import.meta.url', `${fromDist(args.path)}.href`) : source
      if (paths) {
        const file = `__pbPath(${fromDist(args.path)})`
        contents = `var __filename = ${file}, __dirname = __pbPath(new URL('.', ${fromDist(args.path)}));\n${contents}`
      }
      return { contents, loader: 'js', resolveDir: dirname(args.path) }
    })
  },
}

/**
 * Node's own modules are taken with `require` (the banner's), not `import`. An ES module import of a
 * built-in makes Node read every one of its exports, lazy ones included, where `require` reads none:
 * on Node 24, `import { createServer } from 'node:http'` runs `http.WebSocket`'s getter, which loads
 * Node's bundled fetch (undici, 770 KB of source, with web streams and zlib), and `node:crypto`,
 * `node:net` and `node:dns` load WebCrypto, BlockList and the DNS promises API the same way, none of
 * which Patchbay uses at start (BENCHMARKS.md, "Footprint"). Each import becomes a small CommonJS
 * module that requires the built-in; esbuild's interop keeps named and default imports working.
 */
const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin-require' } : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)})`,
      loader: 'js',
    }))
  },
}

if (readFileSync(dist + 'cli.js', 'utf8').includes('__pbDist')) {
  throw new Error('dist/cli.js is already the bundle: run `npm run build` (tsc writes it again first)')
}

// A chunk's name changes with its content: the last build's are removed first.
for (const file of readdirSync(dist)) if (/^bundle-.*\.js(\.map|\.LEGAL\.txt)?$/.test(file)) rmSync(dist + file)

const { metafile } = await build({
  entryPoints: [dist + 'cli.js'],
  outdir: dist,
  allowOverwrite: true,
  chunkNames: 'bundle-[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // Not keepNames: it gives every function and class a `name` property of its own when its module
  // runs, 1.6 MiB of an idle process's heap. Where two bundled modules declare the same name, esbuild
  // renames one (Foo2) and its `name` changes with it: the check below refuses that for the server's
  // and the catalog's own classes, whose names errors and logs show.
  keepNames: false,
  // Node keeps each module's source text in memory for as long as the process runs (to compile
  // functions on first call): without comments and indentation it is less than half the size.
  // Identifiers are not minified, so stack traces stay readable; the source map (node
  // --enable-source-maps) maps them back to src/.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  // The bundled packages' license comments go to dist/*.LEGAL.txt, beside the code.
  legalComments: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [movable, builtinsThroughRequire],
  metafile: true,
  // CommonJS modules in the bundle require Node's built-in modules through this require.
  banner: {
    js: [
      "import { createRequire as __pbCreateRequire } from 'node:module'",
      "import { fileURLToPath as __pbPath } from 'node:url'",
      'const require = __pbCreateRequire(import.meta.url)',
      'const __pbDist = import.meta.url',
    ].join('; '),
  },
})

// The server's and the catalog's own class declarations (see keepNames above).
const ownClasses = new Set()
for (const dir of ['src', '../catalog/src'].map((d) => fileURLToPath(new URL(`../${d}/`, import.meta.url)))) {
  for (const file of readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.ts'))) {
    for (const [, name] of readFileSync(join(dir, file), 'utf8').matchAll(
      /^\s*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Z][\w$]*)/gm,
    ))
      ownClasses.add(name)
  }
}
const renamed = new RegExp(`\\b(?:${[...ownClasses].join('|').replaceAll('$', '\\$')})\\d+\\b`)
// V8 keeps a source text with one character above U+00FF in two bytes per character: the whole
// bundle would take twice the memory. esbuild writes ASCII, but a tagged template's text is kept as
// written (write an HTML entity there, e.g. &mdash;).
for (const output of Object.keys(metafile.outputs).filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(output, 'utf8')
  const at = text.search(/[\u0080-\uffff]/)
  if (at >= 0) throw new Error(`${output}: a character outside ASCII, in ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 10))}`)
  const clash = renamed.exec(text)
  if (clash)
    throw new Error(
      `${output}: the bundle renamed the class ${clash[0].replace(/\d+$/, '')} to ${clash[0]} (a name two modules declare): rename one of them`,
    )
}

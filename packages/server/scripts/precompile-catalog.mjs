// Part of `npm run build` (after tsc): writes dist/catalog/apps.json, the catalog folder parsed and
// checked, which a start reads instead of parsing every app.yaml while its SHA-256 matches the
// sources (src/catalog/load-catalog.ts; docs/operations.md, "Sizing").
import { rmSync, writeFileSync } from 'node:fs'
import { defaultCatalogDir, PRECOMPILED_FILE, precompileCatalog } from '../dist/catalog/load-catalog.js'

const compiled = precompileCatalog(defaultCatalogDir())
if (compiled) {
  writeFileSync(PRECOMPILED_FILE, JSON.stringify(compiled))
} else {
  // A catalog with a problem is not precompiled: start parses it and reports the problem.
  rmSync(PRECOMPILED_FILE, { force: true })
  process.stderr.write('precompile-catalog: the catalog has problems; not precompiled (start will report them)\n')
}

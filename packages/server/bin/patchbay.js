#!/usr/bin/env node
// The `patchbay` command. npm links a workspace's bin only if the file exists at install time, and
// dist/ is built after `npm ci`: this committed file is what gets linked, and it loads the build.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write('patchbay: the server is not built yet: run `npm run build` first (at the repository root)\n')
  process.exit(1)
}
await import(cli.href)

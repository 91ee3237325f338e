#!/bin/sh
//usr/bin/env true; exec env MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}" NODE_OPTIONS="--max-semi-space-size=2 ${NODE_OPTIONS:-}" node "$0" "$@"
// The `patchbay` command. npm links a workspace's bin only if the file exists at install time, and
// dist/ is built after `npm ci`: this committed file is what gets linked, and it loads the build.
//
// Run as a command (`npx patchbay`, the link in node_modules/.bin), the file is first read by sh: the
// line above, a comment to JavaScript, starts Node with the runtime settings docs/operations.md
// ("Sizing") gives for an idle server (a young generation of 2 MiB semi-spaces; glibc's malloc with 2
// arenas, handing blocks over 128 KiB straight back to the system), about 6 MiB less resident memory.
// Settings already in the environment win: the defaults come first in NODE_OPTIONS, where the last
// occurrence of a flag counts. `node bin/patchbay.js` (the Docker image, the systemd unit) skips sh:
// those set the same variables themselves.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write('patchbay: the server is not built yet: run `npm run build` first (at the repository root)\n')
  process.exit(1)
}
await import(cli.href)

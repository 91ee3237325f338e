import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * SHA-256 over every compiled file of the apps' `actions/` folders (actions and their `_` helpers):
 * app, name, length and content. The bundle records it with the action modules it carries, and a
 * start uses those only while the folder still hashes the same, so an action rebuilt after the
 * server (`npm run build -w packages/catalog`) is imported from disk, not run as the bundle knew it
 * (docs/operations.md, "Sizing").
 */
export function compiledActionsHash(root: string): string {
  const hash = createHash('sha256')
  for (const { app, file, path } of compiledActionFiles(root)) {
    const text = readFileSync(path)
    hash.update(`${app}/${file}\0${text.length}\0`).update(text)
  }
  return hash.digest('hex')
}

export interface CompiledActionFile {
  app: string
  /** The file's name in the app's `actions/` folder; a helper's starts with `_`. */
  file: string
  path: string
}

/**
 * Every compiled `.js` file of the apps' `actions/` folders under `root`, by app then name, helpers
 * included: the one walk that loadActions, the hash and the bundle script share, so all three see
 * the same files.
 */
export function compiledActionFiles(root: string): CompiledActionFile[] {
  const out: CompiledActionFile[] = []
  const apps = existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()) : []
  for (const app of apps.map((e) => e.name).sort()) {
    const dir = join(root, app, 'actions')
    if (!existsSync(dir)) continue
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .sort())
      out.push({ app, file, path: join(dir, file) })
  }
  return out
}

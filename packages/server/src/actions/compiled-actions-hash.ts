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
  const apps = existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()) : []
  for (const app of apps.map((e) => e.name).sort()) {
    const dir = join(root, app, 'actions')
    if (!existsSync(dir)) continue
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .sort()) {
      const text = readFileSync(join(dir, file))
      hash.update(`${app}/${file}\0${text.length}\0`).update(text)
    }
  }
  return hash.digest('hex')
}

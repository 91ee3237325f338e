import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// docs/architecture.md and docs/security.md name files and folders; a move or a rename must take the
// docs along. A path is read from the repository root, packages/server, or packages/server/src; a
// bare name (`inject.ts`, `flow/`, in a row that names its folder) must exist in the server's source.

const root = new URL('../../../../', import.meta.url)
const bases = ['', 'packages/server/', 'packages/server/src/'].map((base) => new URL(base, root))

function namesUnder(dir: URL): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? [`${entry.name}/`, ...namesUnder(new URL(`${entry.name}/`, dir))] : [entry.name],
  )
}
const serverNames = new Set(namesUnder(new URL('packages/server/src/', root)))

function exists(path: string): boolean {
  if (bases.some((base) => existsSync(new URL(path, base)))) return true
  return !path.slice(0, -1).includes('/') && serverNames.has(path)
}

function citedPaths(doc: string): string[] {
  const text = readFileSync(new URL(`docs/${doc}`, root), 'utf8')
  const paths = [...text.matchAll(/`([a-z0-9_.-]+(?:\/[a-z0-9_.-]+)*\/?)`/g)].map((m) => m[1] as string)
  // A path has a folder or a file extension; `app.services` or `iss` are not paths.
  return [...new Set(paths.filter((p) => p.includes('/') || /\.(ts|md|yaml|mjs)$/.test(p)))]
}

describe.each(['architecture.md', 'security.md'])('docs/%s', (doc) => {
  it('cites only paths that exist', () => {
    const cited = citedPaths(doc)
    expect(cited.length).toBeGreaterThan(20)
    const missing = cited.filter((path) => !exists(path))
    expect(missing).toEqual([])
  })
})

/** The anchors GitHub gives a page's headings: lowercase, punctuation dropped, spaces as hyphens. */
function anchors(page: URL): Set<string> {
  const headings = [...readFileSync(page, 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) => m[1] as string)
  return new Set(
    headings.map((h) =>
      h
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  )
}

describe.each(['architecture.md', 'security.md'])('docs/%s links', (doc) => {
  it('point to pages and sections that exist', () => {
    const text = readFileSync(new URL(`docs/${doc}`, root), 'utf8')
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string).filter((t) => !/^[a-z]+:/.test(t))
    expect(targets.length).toBeGreaterThan(3)
    const broken = targets.filter((target) => {
      const [file, anchor] = target.split('#')
      const page = new URL(`docs/${file || doc}`, root)
      return !existsSync(page) || (anchor !== undefined && !anchors(page).has(anchor))
    })
    expect(broken).toEqual([])
  })
})

describe('docs/architecture.md', () => {
  it('describes every folder of the server', () => {
    const text = readFileSync(new URL('docs/architecture.md', root), 'utf8')
    const folders = readdirSync(new URL('packages/server/src/', root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
    expect(folders.length).toBeGreaterThan(10)
    expect(folders.filter((name) => !text.includes(`\`src/${name}/\``))).toEqual([])
  })
})

describe('code comments', () => {
  it('cite only documents of this repository', () => {
    // Design notes outside the repository are not there for a reader of the code: docs/ is.
    const outside = /\b(SECURITY|DESIGN|ACTIONS|STYLE|BENCHMARKING)\.md\b|\b[Ss]eeds?\/|\b[Ss]eed \d{3}\b/
    const self = new URL(import.meta.url).pathname
    const files = ['packages', 'bench', 'examples'].flatMap((dir) => sourceFiles(new URL(`${dir}/`, root)))
    expect(files.length).toBeGreaterThan(100)
    const citing = files.filter((file) => file !== self && outside.test(readFileSync(file, 'utf8')))
    expect(citing.map((file) => file.slice(new URL(root).pathname.length))).toEqual([])
  })

  it('cite docs pages and sections that exist', () => {
    // `docs/proxy.md, "Caching (performance)"`: a page of docs/ and one of its headings.
    const files = ['packages', 'bench', 'examples'].flatMap((dir) => sourceFiles(new URL(`${dir}/`, root)))
    const cited = files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/docs\/([a-z-]+\.md), "([^"]+)"/g)])
    expect(cited.length).toBeGreaterThan(10)
    const broken = cited
      .map((m) => ({ page: m[1] as string, heading: m[2] as string }))
      .filter(({ page, heading }) => {
        const url = new URL(`docs/${page}`, root)
        return (
          !existsSync(url) || !new RegExp(`^#+ ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').test(readFileSync(url, 'utf8'))
        )
      })
      .map(({ page, heading }) => `${page}, "${heading}"`)
    expect([...new Set(broken)]).toEqual([])
  })
})

function sourceFiles(dir: URL): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name.startsWith('dist') || entry.name.startsWith('.')) return []
    if (entry.isDirectory()) return sourceFiles(new URL(`${entry.name}/`, dir))
    return /\.(ts|tsx|mjs|js)$/.test(entry.name) ? [new URL(entry.name, dir).pathname] : []
  })
}

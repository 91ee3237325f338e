import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

// The layering docs/architecture.md describes, checked on the source: no module imports itself back
// through others, and stores only store (the services emit the webhook events).

const src = new URL('../../src', import.meta.url).pathname

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

/** Each module's relative imports (type-only ones too: a cycle of types is still a knot to untie). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8')
    const imports = [...text.matchAll(/(?:import|export)\s[^'";]*?from\s*'(\.[^']+)'/g)].map((m) =>
      resolve(dirname(file), m[1] as string).replace(/\.js$/, '.ts'),
    )
    graph.set(file, imports)
  }
  return graph
}

function cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const found: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    stack.push(file)
    for (const dep of graph.get(file) ?? []) {
      if (!graph.has(dep)) continue
      if (state.get(dep) === 'open') found.push([...stack.slice(stack.indexOf(dep)), dep].map((f) => relative(src, f)).join(' -> '))
      else if (!state.has(dep)) visit(dep)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of graph.keys()) if (!state.has(file)) visit(file)
  return found
}

describe('server layering', () => {
  const graph = importGraph()

  it('has no import cycles', () => {
    expect(graph.size).toBeGreaterThan(50)
    expect(cycles(graph)).toEqual([])
  })

  it('keeps stores free of webhook events', () => {
    const stores = [...graph.keys()].filter((file) => file.endsWith('-store.ts'))
    expect(stores.length).toBeGreaterThan(1)
    const offending = stores.filter((file) => (graph.get(file) ?? []).some((dep) => relative(src, dep).startsWith('webhooks/')))
    expect(offending.map((file) => relative(src, file))).toEqual([])
  })
})

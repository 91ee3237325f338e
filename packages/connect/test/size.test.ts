import { existsSync, readFileSync } from 'node:fs'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

/** The widget's budget: the ESM build, minified and gzipped at level 9. */
const BUDGET = 2048

const dist = new URL('../dist/', import.meta.url)

function sizes(file: string) {
  const path = new URL(file, dist)
  if (!existsSync(path)) throw new Error(`${file} is missing: run \`npm run build -w @patchbay/connect\` first (npm test does)`)
  const body = readFileSync(path)
  return {
    min: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  }
}

describe('@patchbay/connect size', () => {
  it(`the ESM build stays within ${BUDGET} bytes min+gzip`, () => {
    const esm = sizes('index.js')
    const umd = sizes('patchbay-connect.umd.js')
    console.log(`[widget size] ${JSON.stringify({ esm, umd })}`)
    expect(esm.gzip).toBeLessThanOrEqual(BUDGET)
  })

  it('ships no runtime dependencies and no side effects', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, unknown>
    expect(pkg.dependencies).toBeUndefined()
    expect(pkg.sideEffects).toBe(false)
    expect(readFileSync(new URL('index.js', dist), 'utf8')).not.toMatch(/\bimport\s*[^(]/)
  })

  it('the UMD build defines the PatchbayConnect global, and module.exports under CommonJS', () => {
    const code = readFileSync(new URL('patchbay-connect.umd.js', dist), 'utf8')
    const global: Record<string, unknown> = {}
    new Function('globalThis', code)(global)
    const mod = { exports: {} as Record<string, unknown> }
    new Function('globalThis', 'module', code)({}, mod)
    for (const api of [global.PatchbayConnect as Record<string, unknown>, mod.exports]) {
      expect(Object.keys(api).sort()).toEqual(['connect', 'create', 'handleRedirect'])
      for (const fn of Object.values(api)) expect(typeof fn).toBe('function')
    }
  })
})

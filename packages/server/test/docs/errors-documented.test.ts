import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { errorCodes } from '../../src/errors.js'

const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8')

describe('docs/errors.md', () => {
  it.each(Object.entries(errorCodes))('documents %s with its status', (code, { status }) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`))
    expect(row, `${code} is missing from docs/errors.md`).toBeDefined()
    expect(row).toContain(`| ${status} |`)
  })

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `(PB_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1])
    expect(documented.sort()).toEqual(Object.keys(errorCodes).sort())
  })
})

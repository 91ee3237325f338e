import { readFileSync } from 'node:fs'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import type { Patchbay } from '../src/index.js'
import { type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

// docs/mcp.md's quick start, run as written against a real server: its import line is the only
// part replaced (by the same modules, passed in), `patchbay` is the SDK for the test partner.

const doc = readFileSync(new URL('../../../docs/mcp.md', import.meta.url), 'utf8')
const example = /## Quick start[\s\S]*?```js\n([\s\S]*?)```/.exec(doc)?.[1] ?? ''

describe('docs/mcp.md quick start', () => {
  let s: SdkSetup
  let patchbay: Patchbay

  beforeAll(async () => {
    s = await startSdkSetup(databaseTargets[0]!)
    ;({ patchbay } = s.sdk())
  })
  afterAll(() => s?.close())

  it('runs as written: mints a token, connects the official client, lists and calls tools', async () => {
    expect(example).toContain("from '@modelcontextprotocol/client'")
    const body = example.replace(/^import .*$/m, '')
    const printed: unknown[][] = []
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>
    const run = new AsyncFunction('patchbay', 'Client', 'StreamableHTTPClientTransport', 'console', body)
    await run(patchbay, Client, StreamableHTTPClientTransport, { log: (...args: unknown[]) => printed.push(args) })
    expect(printed).toHaveLength(1)
    const [count, found] = printed[0] as [number, string[]]
    expect(count).toBe(6)
    expect(found).toContain('jira.create_issue')
  })
})

/**
 * The SDK and the server's OpenAPI document cannot drift apart: the SDK's types and route table are
 * generated from the document (src/generated/openapi.ts), this test generates them again from the
 * server's current document and fails on any difference, and the type checker then holds every SDK
 * call (its path and method, query, body and answer) to them.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/src/config/config.js'
import { openApiDocument } from '../../server/src/http/openapi-document.js'
import { generateTypes, OUTPUT } from '../scripts/openapi-types.mjs'
import { routes } from '../src/generated/openapi.js'
import { errorCodes } from '../src/index.js'

/** Operations the SDK leaves to other clients, each with the reason. Any other operation must have an SDK method. */
const NOT_WRAPPED: Record<string, string> = {
  exchangeToken: 'called through forUser() (access tokens), createConnectSession() and mcpToken(), as a form post',
  revokeToken: 'called by patchbay.revokeToken(), as a form post',
  getAuthorizationServerMetadata: 'discovery metadata for generic OAuth clients',
  getApiResourceMetadata: 'discovery metadata for generic OAuth clients',
  getMcpResourceMetadata: "read by MCP clients, not the partner's backend",
  callMcp: "the MCP endpoint: an agent's MCP client calls it with mcpToken()",
  createConnectSession: 'createConnectSession() mints sessions at the token endpoint (the same session)',
  openConnectionPopup: 'a browser page',
  submitConnectionPopup: 'a browser form post',
  getConnectOutcome: "the widget's fallback, called by the browser",
  ...Object.fromEntries(
    ['Get', 'Head', 'Post', 'Put', 'Patch', 'Delete', 'Options'].map((m) => [`proxy${m}`, 'user.proxy() sends any method to the path']),
  ),
}

/** Every `operation: '…'` the SDK's sources name. */
function wrappedOperations(): Set<string> {
  const dir = new URL('../src/', import.meta.url)
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.startsWith('generated'))
  const text = files.map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n')
  return new Set([...text.matchAll(/operation: '([A-Za-z]+)'/g)].map((m) => m[1] as string))
}

describe("the SDK against the server's OpenAPI document", () => {
  it('has the types and route table the current document generates (npm run generate:types -w @patchbay/node)', async () => {
    const document = await openApiDocument(loadConfig({}))
    const committed = readFileSync(OUTPUT, 'utf8')
    const generated = await generateTypes(document)
    // A plain equality: the diff vitest prints names the schema or route that changed.
    expect(committed).toBe(generated)
  })

  it('wraps every operation of the document, except the ones deliberately left to other clients', () => {
    const wrapped = wrappedOperations()
    const operations = Object.keys(routes)
    expect(operations.filter((op) => !wrapped.has(op) && !(op in NOT_WRAPPED))).toEqual([])
    // The exceptions name real operations that really are not wrapped (the list cannot rot).
    expect(Object.keys(NOT_WRAPPED).filter((op) => !operations.includes(op) || wrapped.has(op))).toEqual([])
    expect([...wrapped].filter((op) => !operations.includes(op))).toEqual([])
  })

  it("knows exactly the error codes of the document's Error schema", async () => {
    const document = (await openApiDocument(loadConfig({}))) as {
      components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } }
    }
    expect(Object.keys(errorCodes).sort()).toEqual([...document.components.schemas.Error.properties.error.properties.code.enum].sort())
  })
})

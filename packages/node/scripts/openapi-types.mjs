// The SDK's types and route table, generated from the server's OpenAPI document: `npm run generate:types
// -w @patchbay/node` (after `npm run build`) writes src/generated/openapi.ts, and test/openapi-types.test.ts
// fails whenever that file differs from what the server's document generates now (docs/api.md, "The OpenAPI document").
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import { format, resolveConfig } from 'prettier'

export const OUTPUT = fileURLToPath(new URL('../src/generated/openapi.ts', import.meta.url))

const HEADER = `/**
 * Generated from Patchbay's OpenAPI document by packages/node/scripts/openapi-types.mjs: do not edit.
 * \`npm run generate:types -w @patchbay/node\` writes it again; test/openapi-types.test.ts fails when it
 * differs from what the server's document generates.
 */
`

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch']

/**
 * Every operation's method and path template, by operationId, and whether it takes an
 * `Idempotency-Key` (the server then answers a repeated request with the first one's result, which
 * is what makes retrying a write safe).
 */
function routeTable(document) {
  const routes = []
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method]
      if (!operation?.operationId) continue
      const idempotencyKey = (operation.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')
      routes.push([operation.operationId, { method: method.toUpperCase(), path, idempotencyKey }])
    }
  }
  routes.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const lines = routes.map(([id, route]) => `  ${id}: ${JSON.stringify(route)},`)
  return [
    '/** An operation of the REST API: its method, its path template and whether it takes an Idempotency-Key. */',
    'export interface Route {',
    "  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'",
    '  path: string',
    '  idempotencyKey: boolean',
    '}',
    '',
    '/** Every operation of the document, by operationId. */',
    'export const routes = {',
    ...lines,
    '} as const satisfies { [K in keyof operations]: Route }',
    '',
  ].join('\n')
}

/** The text of src/generated/openapi.ts for `document`, formatted as the repository formats TypeScript. */
export async function generateTypes(document) {
  const types = astToString(await openapiTS(document, { silent: true }))
  const text = `${HEADER}\n${types}\n${routeTable(document)}`
  return format(text, { ...(await resolveConfig(OUTPUT)), parser: 'typescript' })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The built server (npm run build): the same document `patchbay openapi` prints.
  const { loadConfig, openApiDocument } = await import('@patchbay/server')
  writeFileSync(OUTPUT, await generateTypes(await openApiDocument(loadConfig({}))))
  process.stdout.write(`wrote ${OUTPUT}\n`)
}

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type ActionDefinition, compiledAppsDir } from '@patchbay/catalog'
import { type ActionFixtures, replayFixtures } from '@patchbay/catalog/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { type RunSetup, startRunSetup } from '../runs/run-setup.js'

// docs/actions.md against a running server: its examples have the shapes the API answers with, its
// tables list exactly the statuses and error types there are, and every route it names exists.

const root = new URL('../../../../', import.meta.url)
const doc = readFileSync(new URL('docs/actions.md', root), 'utf8')

/** The JSON code blocks of the page, parsed. */
function jsonBlocks(): Record<string, unknown>[] {
  return [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map(
    (m) => JSON.parse((m[1] as string).replace(/"…"/g, '"x"')) as Record<string, unknown>,
  )
}

/** First-column values of the markdown table under `heading` (the text between backticks). */
function tableColumn(heading: string): string[] {
  const section = doc.slice(doc.indexOf(`## ${heading}\n`))
  const table = section.slice(section.indexOf('\n|'), section.indexOf('\n\n', section.indexOf('\n|') + 1))
  return table
    .split('\n')
    .slice(3)
    .map((line) => /^\| `([^`]+)`/.exec(line)?.[1])
    .filter((v): v is string => v !== undefined)
}

describe('docs/actions.md', () => {
  let s: RunSetup

  beforeAll(async () => {
    s = await startRunSetup(databaseTargets[0]!)
  })
  afterAll(async () => {
    await s?.close()
  })

  it('shows a run with exactly the fields the API answers with', async () => {
    const run = await s.api('/v1/runs', { body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 'a' }, wait_ms: 10_000 } })
    const example = jsonBlocks().find((block) => 'action_version' in block)
    expect(example).toBeDefined()
    expect(Object.keys(example ?? {}).sort()).toEqual(Object.keys(run.json).sort())
  })

  it('shows field hints and an error object with the fields the API answers with', async () => {
    const action = await s.api('/v1/actions/tasks.create_task')
    const hints = jsonBlocks().find((block) => 'fields' in block) as { fields: Record<string, object> }
    for (const hint of Object.values(hints.fields)) expect(Object.keys(hint).sort()).toEqual(Object.keys(action.json.fields.title).sort())
    const refused = await s.api('/v1/runs', {
      body: { action: 'tasks.create_task', connection_id: s.conn, inputs: { project: 'p', title: 'x'.repeat(150) }, wait_ms: 10_000 },
    })
    const error = jsonBlocks().find((block) => 'attribution' in block)
    expect(Object.keys(error ?? {}).sort()).toEqual([...Object.keys(refused.json.error), 'retry_after'].sort())
  })

  it('lists exactly the statuses and error types there are', async () => {
    const openapi = (await (await fetch(`${s.t.url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, unknown> }
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>
    }
    expect(openapi.paths['/v1/runs/{id}']?.get?.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Run',
    })
    const runSchema = JSON.stringify([openapi.components.schemas.Run, openapi.components.schemas.RunError])
    const statuses = tableColumn('Statuses')
    expect(statuses.sort()).toEqual(['canceled', 'failed', 'queued', 'requires_action', 'running', 'succeeded', 'timed_out', 'waiting'])
    for (const status of statuses) expect(runSchema).toContain(`"${status}"`)
    const types = tableColumn('Errors')
    expect(types.sort()).toEqual(['auth', 'internal', 'not_found', 'permission', 'provider', 'rate_limited', 'timeout', 'validation'])
    for (const type of types) expect(runSchema).toContain(`"${type}"`)
  })

  it('shows a dry run with the fields the API answers with, and a fixtures example the real action passes', async () => {
    const dry = await s.api('/v1/runs', {
      body: { action: 'tasks.create_task', connection_id: s.conn, inputs: { project: 'p1', title: 'Bug' }, dry_run: true, wait_ms: 10_000 },
    })
    const example = jsonBlocks().find((block) => 'requests' in block) as { requests: Record<string, unknown>[] }
    expect(Object.keys(example.requests[0] ?? {}).sort()).toEqual(Object.keys(dry.json.output.requests[0]).sort())
    expect(example.requests[0]?.headers).toMatchObject({ authorization: 'Bearer [redacted]' })
    const fixtures = jsonBlocks().find((block) => 'cases' in block) as unknown as ActionFixtures
    const definition = (await import(pathToFileURL(join(compiledAppsDir, 'github', 'actions', 'create_issue.js')).href)) as {
      default: ActionDefinition
    }
    const results = await replayFixtures(definition.default, fixtures)
    expect(results.map((r) => [r.name, r.ok, r.problems])).toEqual([[fixtures.cases[0]?.name, true, []]])
  })

  it('names only routes the server has', async () => {
    const openapi = (await (await fetch(`${s.t.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    const named = [...doc.matchAll(/(GET|POST) (\/v1\/[a-z/{}._]+)/g)].map((m) => [
      m[1] as string,
      (m[2] as string).replace(/^\/v1\/actions\/[a-z0-9-]+\.[a-z_]+/, '/v1/actions/{id}').replace(/\/fields\/assignee/, '/fields/{field}'),
    ])
    expect(named.length).toBeGreaterThan(8)
    for (const [method, path] of named) {
      expect(openapi.paths[path as string], `${method} ${path}`).toBeDefined()
      expect(openapi.paths[path as string]?.[(method as string).toLowerCase()], `${method} ${path}`).toBeDefined()
    }
  })
})

import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { API_KEY, addConnection, endUser } from '../proxy/proxy-setup.js'
import { type RunSetup, startRunSetup } from '../runs/run-setup.js'
import { eras, mcpClient, mcpToken } from './mcp-setup.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tool results are asserted field by field
type Json = any

describe.each(databaseTargets)('MCP tools ($name)', (target) => {
  let s: RunSetup

  beforeAll(async () => {
    s = await startRunSetup(target, {
      // A read the app answers after 1.5 s: longer than the MCP wait budget below, shorter than the action's timeout.
      override: (req, res) => {
        if (req.url !== '/api/tasks/slow-ok') return false
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"slow-ok","title":"Took a while"}')
        }, 1500)
        return true
      },
      // The budget leaves a fast call room on a loaded machine (a fresh process's first run included).
      config: { 'mcp.waitMs': 800, 'mcp.pageSize': 3 },
    })
    await s.t.server.services.toolsets.save(s.alice.partnerId, 'tasks', {
      mode: 'direct',
      apps: ['tasks'],
      actions: [
        { action: 'tasks.create_task', preset: { project: 'p2' } },
        { action: 'tasks.broken', version: '0' },
      ],
    })
  })
  afterAll(async () => {
    await s?.close()
  })

  describe.each(eras)('direct toolset, $name', (era) => {
    let client: Client
    beforeAll(async () => {
      client = await mcpClient(s.t, await mcpToken(s.t, 'alice', { toolset: 'tasks' }), era)
    })
    afterAll(async () => {
      await client?.close()
    })

    it('lists one tool per action, in name order, over pages', async () => {
      const first = await client.request({ method: 'tools/list', params: {} } as never)
      const page1 = first as Json
      expect(page1.tools.map((t: Json) => t.name)).toEqual(['connect_app', 'get_run', 'list_connections'])
      expect(page1.nextCursor).toEqual(expect.any(String))
      const all = await client.listTools()
      const names = all.tools.map((t) => t.name)
      expect(names).toEqual([
        'connect_app',
        'get_run',
        'list_connections',
        'tasks_broken',
        'tasks_create_task',
        'tasks_get_task',
        'tasks_list_many',
        'tasks_rename_task',
      ])
      // The same toolset lists the same pages.
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(names)
      const create = all.tools.find((t) => t.name === 'tasks_create_task') as Json
      expect(create.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true })
      // The preset input is gone; the call's own arguments are there.
      expect(Object.keys(create.inputSchema.properties).sort()).toEqual(['connection_id', 'idempotency_key', 'title'])
      expect(create.inputSchema.required).toEqual(['title'])
      expect(create.outputSchema.anyOf[0]).toMatchObject({ type: 'object', required: ['id', 'title'] })
      const read = all.tools.find((t) => t.name === 'tasks_get_task') as Json
      expect(read.inputSchema.properties.idempotency_key).toBeUndefined()
      expect(read.annotations.readOnlyHint).toBe(true)
    })

    it('calls a tool as a run: structured output matching the schema, a text copy, the run in /v1/runs', async () => {
      const result = (await client.callTool({ name: 'tasks_get_task', arguments: { id: 't9' } })) as Json
      expect(result.isError).toBeFalsy()
      expect(result.structuredContent).toEqual({ id: 't9', title: 'Task t9' })
      expect(JSON.parse(result.content[0].text)).toEqual({ id: 't9', title: 'Task t9' })
      const runId = result._meta['dev.patchbay/run_id']
      const run = await s.api(`/v1/runs/${runId}`)
      expect(run.json).toMatchObject({
        status: 'succeeded',
        action: 'tasks.get_task',
        metadata: { mcp: { toolset: 'tasks', tool: 'tasks_get_task' } },
      })
    })

    it('sends the preset input and runs a write once per idempotency_key', async () => {
      const before = s.created.length
      const key = `k-${era.name.replace(/[^0-9a-z-]/g, '')}`
      const args = { title: `From an agent ${era.name}`, idempotency_key: key }
      const first = (await client.callTool({ name: 'tasks_create_task', arguments: args })) as Json
      const second = (await client.callTool({ name: 'tasks_create_task', arguments: args })) as Json
      expect(first.structuredContent).toMatchObject({ title: args.title })
      expect(second._meta['dev.patchbay/run_id']).toBe(first._meta['dev.patchbay/run_id'])
      expect(s.created.length).toBe(before + 1)
      expect(s.created[s.created.length - 1]).toMatchObject({ project: 'p2', title: args.title })
      const reused = (await client.callTool({ name: 'tasks_create_task', arguments: { ...args, title: 'Other' } })) as Json
      expect(reused.isError).toBe(true)
      expect(reused.structuredContent.error).toMatchObject({ type: 'validation', code: 'idempotency_key_reused' })
      const preset = (await client.callTool({ name: 'tasks_create_task', arguments: { title: 'x', project: 'p1' } })) as Json
      expect(preset.isError).toBe(true)
      expect(preset.structuredContent.error.message).toMatch(/project is not an input of this tool/)
    })

    it('answers a slow run with its handle within the wait budget, and get_run returns its result', async () => {
      const started = Date.now()
      const pending = (await client.callTool({ name: 'tasks_get_task', arguments: { id: 'slow-ok' } })) as Json
      // The budget (800 ms) answered, not the run's end (the app takes 1.5 s; `pending` below says the
      // run had not ended). The bound leaves a loaded machine a second of delay.
      expect(Date.now() - started).toBeLessThan(1900)
      expect(pending.isError).toBeFalsy()
      expect(pending.structuredContent).toMatchObject({ pending: true, status: expect.stringMatching(/^(queued|running)$/) })
      // As an agent would: get_run again until it has ended (each call waits at most the budget, 800 ms here).
      let done: Json
      for (let i = 0; i < 20; i++) {
        done = await client.callTool({ name: 'get_run', arguments: { run_id: pending.structuredContent.run_id, wait_ms: 10_000 } })
        if (done.structuredContent.status !== 'running' && done.structuredContent.status !== 'queued') break
      }
      expect(done.structuredContent).toMatchObject({ status: 'succeeded', output: { id: 'slow-ok', title: 'Took a while' } })
    })

    it('returns tool failures as isError with the run error object', async () => {
      const invalid = (await client.callTool({ name: 'tasks_get_task', arguments: { id: '' } })) as Json
      expect(invalid.isError).toBe(true)
      expect(invalid.structuredContent.error).toMatchObject({ type: 'validation' })
      const broken = (await client.callTool({ name: 'tasks_broken', arguments: {} })) as Json
      expect(broken.isError).toBe(true)
      expect(broken.structuredContent).toMatchObject({
        status: 'failed',
        error: { type: expect.any(String), code: expect.any(String), retryable: expect.any(Boolean) },
      })
      await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(/Unknown tool/)
    })
  })

  it('gives a connect link when the user has no connection of the app, and asks which when several', async () => {
    const client = await mcpClient(s.t, await mcpToken(s.t, 'bob', { toolset: 'tasks' }))
    const none = (await client.callTool({ name: 'tasks_get_task', arguments: { id: 't1' } })) as Json
    expect(none.isError).toBe(true)
    expect(none.structuredContent.error).toMatchObject({
      type: 'auth',
      code: 'connection_required',
      connect_url: expect.stringContaining('/to/tasks?token='),
    })
    expect(none.content[0].text).toContain(none.structuredContent.error.connect_url)
    const link = (await client.callTool({ name: 'connect_app', arguments: { app: 'tasks' } })) as Json
    expect(link.structuredContent.connect_url).toContain('/to/tasks?token=')
    const bob = await endUser(s.t, 'bob')
    const one = await addConnection(s.t, bob, { app: 'tasks', credentials: { api_key: API_KEY } })
    const two = await addConnection(s.t, bob, { app: 'tasks', credentials: { api_key: API_KEY } })
    const ask = (await client.callTool({ name: 'tasks_get_task', arguments: { id: 't1' } })) as Json
    expect(ask.structuredContent.error).toMatchObject({ code: 'connection_choice_required' })
    expect(ask.structuredContent.error.connections.map((c: Json) => c.id).sort()).toEqual([one, two].sort())
    const chosen = (await client.callTool({ name: 'tasks_get_task', arguments: { id: 't1', connection_id: two } })) as Json
    expect(chosen.structuredContent).toEqual({ id: 't1', title: 'Task t1' })
    const listed = (await client.callTool({ name: 'list_connections', arguments: {} })) as Json
    expect(listed.structuredContent.connections).toHaveLength(2)
    // Alice's connection is not Bob's to use.
    const theirs = (await client.callTool({ name: 'tasks_get_task', arguments: { id: 't1', connection_id: s.conn } })) as Json
    expect(theirs.structuredContent.error).toMatchObject({ type: 'not_found' })
    await client.close()
  })

  it('discovery mode: search, describe with dynamic options, run, get_run', async () => {
    const client = await mcpClient(s.t, await mcpToken(s.t, 'alice'))
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual([
      'connect_app',
      'describe_action',
      'get_run',
      'list_connections',
      'run_action',
      'search_actions',
    ])
    const found = (await client.callTool({ name: 'search_actions', arguments: { query: 'create task', app: 'tasks' } })) as Json
    expect(found.structuredContent.actions.map((a: Json) => a.action)).toEqual(['tasks.create_task'])
    expect(found.structuredContent.actions[0].connected).toBe(true)
    const described = (await client.callTool({ name: 'describe_action', arguments: { action: 'tasks.create_task' } })) as Json
    expect(described.structuredContent.fields.project.options).toEqual([
      { label: 'Launch', value: 'p1' },
      { label: 'Hiring', value: 'p2' },
    ])
    expect(described.structuredContent.input_schema.required).toEqual(['project', 'title'])
    expect(described.structuredContent.connections.map((c: Json) => c.id)).toEqual([s.conn])
    const ran = (await client.callTool({
      name: 'run_action',
      arguments: { action: 'tasks.create_task', inputs: { project: 'p1', title: 'Discovered' }, idempotency_key: 'disc-1' },
    })) as Json
    expect(ran.structuredContent).toMatchObject({ title: 'Discovered' })
    const again = (await client.callTool({ name: 'get_run', arguments: { run_id: ran._meta['dev.patchbay/run_id'] } })) as Json
    expect(again.structuredContent).toMatchObject({ status: 'succeeded', output: { title: 'Discovered' } })
    // A run the partner's backend started is not the agent's to read.
    const rest = await s.api('/v1/runs', { body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 't1' }, wait_ms: 5000 } })
    const hidden = (await client.callTool({ name: 'get_run', arguments: { run_id: rest.json.id } })) as Json
    expect(hidden.structuredContent.error).toMatchObject({ type: 'not_found' })
    await client.close()
  })
})

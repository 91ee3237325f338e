import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { API_KEY, endUser } from '../proxy/proxy-setup.js'
import { type RunSetup, startRunSetup } from './run-setup.js'

const until = async <T>(check: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.each(databaseTargets)('actions and runs ($name)', (target) => {
  let s: RunSetup
  let slowClosed = 0
  let slowSeen = 0
  let rateLimited = 0
  let flaky = 0

  beforeAll(async () => {
    s = await startRunSetup(target, {
      override: (req, res) => {
        if (req.url === '/api/tasks/slow') {
          slowSeen++
          req.socket.on('close', () => slowClosed++)
          return true // never answers
        }
        if (req.url === '/api/tasks/limited' && rateLimited++ === 0) {
          res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"message":"slow down"}')
          return true
        }
        if (req.url === '/api/tasks/flaky' && flaky++ < 1) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"try later"}')
          return true
        }
        return false
      },
      config: { 'runs.maxOutputBytes': 64 * 1024 },
    })
  })
  afterAll(async () => {
    await s?.close()
  })

  it('lists the actions of offered apps and describes one with JSON Schema and field hints', async () => {
    const list = await s.api('/v1/actions?app=tasks')
    expect(list.status).toBe(200)
    expect(list.json.data.map((a: { id: string }) => a.id)).toEqual([
      'tasks.broken',
      'tasks.create_task',
      'tasks.get_task',
      'tasks.list_many',
      'tasks.rename_task',
    ])
    const search = await s.api('/v1/actions?q=create&type=write&connected=true')
    expect(search.json.data.map((a: { id: string }) => a.id)).toEqual(['tasks.create_task'])
    const page = await s.api('/v1/actions?app=tasks&limit=2')
    expect(page.json.data).toHaveLength(2)
    const next = await s.api(`/v1/actions?app=tasks&limit=2&cursor=${page.json.next_cursor}`)
    expect(next.json.data.map((a: { id: string }) => a.id)).toEqual(['tasks.get_task', 'tasks.list_many'])
    const one = await s.api('/v1/actions/tasks.create_task')
    expect(one.status).toBe(200)
    expect(one.json).toMatchObject({
      id: 'tasks.create_task',
      version: '1.0.0',
      type: 'write',
      dry_run: true,
      annotations: { readOnly: false, destructive: false, idempotent: false },
      fields: { project: { dynamic: true, searchable: true, depends_on: [] }, title: { dynamic: false } },
    })
    expect(one.json.input_schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['project', 'title'],
    })
    expect((await s.api('/v1/actions/tasks.nope')).status).toBe(404)
  })

  it('fetches dynamic options from the app for a connection, filtered by the typed query', async () => {
    const all = await s.api('/v1/actions/tasks.create_task/fields/project/options', { body: { connection_id: s.conn } })
    expect(all.status).toBe(200)
    expect(all.json).toEqual({
      options: [
        { label: 'Launch', value: 'p1' },
        { label: 'Hiring', value: 'p2' },
      ],
      next_cursor: null,
    })
    const some = await s.api('/v1/actions/tasks.create_task/fields/project/options', { body: { connection_id: s.conn, query: 'hir' } })
    expect(some.json.options).toEqual([{ label: 'Hiring', value: 'p2' }])
    const notDynamic = await s.api('/v1/actions/tasks.create_task/fields/title/options', { body: { connection_id: s.conn } })
    expect(notDynamic.status).toBe(404)
  })

  it('validates inputs and the connection without running anything', async () => {
    const before = s.upstream.requests.length
    const bad = await s.api('/v1/actions/tasks.create_task/validate', { body: { connection_id: s.conn, inputs: { project: 'p1' } } })
    expect(bad.status).toBe(200)
    expect(bad.json.valid).toBe(false)
    expect(bad.json.errors[0].path).toBe('/title')
    const good = await s.api('/v1/actions/tasks.create_task/validate', {
      body: { connection_id: s.conn, inputs: { project: 'p1', title: 'x' } },
    })
    expect(good.json).toMatchObject({ valid: true, errors: [], connection: { id: s.conn, status: 'active' } })
    expect(s.upstream.requests.length).toBe(before)
  })

  it('runs an action to success within wait_ms and keeps its redacted HTTP log', async () => {
    const res = await s.api('/v1/runs', {
      body: { action: 'tasks.create_task', connection_id: s.conn, inputs: { project: 'p1', title: 'Ship it' }, wait_ms: 10_000 },
    })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      action: 'tasks.create_task',
      status: 'succeeded',
      attempt: 1,
      output: { id: expect.any(String), title: 'Ship it' },
      error: null,
    })
    expect(res.headers.get('location')).toBe(`/v1/runs/${res.json.id}`)
    const logs = await s.api(`/v1/runs/${res.json.id}/logs`)
    expect(logs.status).toBe(200)
    const http = logs.json.data.filter((l: { kind: string }) => l.kind === 'http')
    expect(http).toHaveLength(1)
    expect(http[0].data).toMatchObject({ method: 'POST', path: '/projects/p1/tasks', status: 201 })
    expect(logs.json.data.some((l: { message: string }) => l.message === 'creating a task')).toBe(true)
    expect(JSON.stringify(logs.json)).not.toContain(API_KEY)
    // The app received the run id as its idempotency key (no key was given).
    expect(s.created.at(-1)?.key).toBe(res.json.id)
  })

  it('answers 202 without wait_ms, then the long poll returns as soon as the run ends', async () => {
    const res = await s.api('/v1/runs', { body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 'a1' } } })
    expect(res.status).toBe(202)
    expect(['queued', 'running', 'succeeded']).toContain(res.json.status)
    const started = Date.now()
    const polled = await s.api(`/v1/runs/${res.json.id}?wait_ms=20000`)
    expect(polled.status).toBe(200)
    expect(polled.json.status).toBe('succeeded')
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('refuses inputs that do not match the schema, and a connection of another app', async () => {
    const bad = await s.api('/v1/runs', { body: { action: 'tasks.create_task', connection_id: s.conn, inputs: { project: 'p1' } } })
    expect(bad.status).toBe(400)
    expect(bad.json.error.code).toBe('PB_ERR_VALIDATION')
    const missing = await s.api('/v1/runs', {
      body: { action: 'tasks.create_task', connection_id: 'conn_nope', inputs: { project: 'p1', title: 'x' } },
    })
    expect(missing.status).toBe(404)
  })

  it('gives 20 concurrent creates with one Idempotency-Key one run and one call to the app; another body is a 409', async () => {
    const before = s.created.length
    const body = { action: 'tasks.create_task', connection_id: s.conn, inputs: { project: 'p2', title: 'Once' }, wait_ms: 10_000 }
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => s.api('/v1/runs', { body, headers: { 'idempotency-key': 'key-once' } })),
    )
    expect(new Set(answers.map((a) => a.status)).size).toBe(1)
    expect(new Set(answers.map((a) => a.json.id)).size).toBe(1)
    const final = await s.api(`/v1/runs/${answers[0]?.json.id}?wait_ms=10000`)
    expect(final.json.status).toBe('succeeded')
    expect(s.created.length - before).toBe(1)
    expect(s.created.at(-1)?.key).toBe('key-once')
    const other = await s.api('/v1/runs', {
      body: { ...body, inputs: { project: 'p2', title: 'Twice' } },
      headers: { 'idempotency-key': 'key-once' },
    })
    expect(other.status).toBe(409)
    expect(other.json.error.code).toBe('PB_ERR_CONFLICT')
  })

  it('makes a run waiting on a 429 with Retry-After, then succeeded', async () => {
    const res = await s.api('/v1/runs', { body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 'limited' } } })
    const waiting = await until(async () => {
      const r = await s.api(`/v1/runs/${res.json.id}`)
      return r.json.status === 'waiting' || r.json.status === 'succeeded' ? r.json : undefined
    }, 'waiting')
    expect(waiting.status).toBe('waiting')
    expect(waiting.error).toMatchObject({
      type: 'rate_limited',
      retryable: true,
      retry_after: 1,
      provider_status: 429,
      attribution: 'provider',
    })
    expect(waiting.retry_at).not.toBeNull()
    const done = await s.api(`/v1/runs/${res.json.id}?wait_ms=10000`)
    expect(done.json).toMatchObject({ status: 'succeeded', attempt: 2, error: null, retry_at: null })
  })

  it('retries an idempotent action after a 5xx, and never a write', async () => {
    const read = await s.api('/v1/runs', {
      body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 'flaky' }, wait_ms: 10_000 },
    })
    expect(read.json).toMatchObject({ status: 'succeeded', attempt: 2 })
  })

  it('ends a run failed with a typed error for the app refusing the input, and for an invalid output', async () => {
    const refused = await s.api('/v1/runs', {
      body: { action: 'tasks.create_task', connection_id: s.conn, inputs: { project: 'p1', title: 'x'.repeat(150) }, wait_ms: 10_000 },
    })
    expect(refused.json).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { type: 'validation', code: 'provider_rejected_input', retryable: false, provider_status: 422, attribution: 'user' },
    })
    expect(refused.json.error.message).toContain('title is too long')
    const broken = await s.api('/v1/runs', { body: { action: 'tasks.broken', connection_id: s.conn, inputs: {}, wait_ms: 10_000 } })
    expect(broken.json).toMatchObject({ status: 'failed', error: { type: 'internal', code: 'invalid_output', attribution: 'patchbay' } })
  })

  it('cancels a running action and aborts its HTTP call', async () => {
    const seen = slowSeen
    const closed = slowClosed
    const res = await s.api('/v1/runs', {
      body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 'slow' }, timeout_ms: 60_000 },
    })
    await until(async () => (slowSeen > seen ? true : undefined), 'the slow call to reach the app')
    const canceled = await s.api(`/v1/runs/${res.json.id}/cancel`, { method: 'POST' })
    expect(canceled.status).toBe(200)
    expect(canceled.json.status).toBe('canceled')
    await until(async () => (slowClosed > closed ? true : undefined), 'the upstream connection to close')
    const again = await s.api(`/v1/runs/${res.json.id}/cancel`, { method: 'POST' })
    expect(again.status).toBe(409)
  })

  it('ends a run that takes longer than its timeout as timed_out', async () => {
    const res = await s.api('/v1/runs', {
      body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 'slow' }, timeout_ms: 300, wait_ms: 10_000 },
    })
    expect(res.json).toMatchObject({ status: 'timed_out', error: { type: 'timeout', code: 'timed_out' } })
  })

  it('answers a dry run with the exact request the action would send, credentials redacted, sending nothing', async () => {
    const before = s.upstream.requests.length
    const res = await s.api('/v1/runs', {
      body: {
        action: 'tasks.create_task',
        connection_id: s.conn,
        inputs: { project: 'p 1', title: 'Maybe' },
        dry_run: true,
        wait_ms: 10_000,
      },
    })
    expect(res.json).toMatchObject({ status: 'succeeded', dry_run: true })
    const [request, ...more] = res.json.output.requests
    expect(more).toEqual([])
    expect(request).toEqual({
      method: 'POST',
      url: `${s.upstream.url}/api/projects/p%201/tasks`,
      headers: {
        accept: 'application/json',
        authorization: 'Bearer [redacted]',
        'content-type': 'application/json',
        'idempotency-key': res.json.id,
        'x-api-version': '2024-01-01',
      },
      body: { title: 'Maybe' },
    })
    expect(JSON.stringify(res.json)).not.toContain(API_KEY)
    expect(s.upstream.requests.length).toBe(before)
  })

  it("answers a dry run of a write that reads first with its preview's writes, reading nothing", async () => {
    const before = s.upstream.requests.length
    const res = await s.api('/v1/runs', {
      body: { action: 'tasks.rename_task', connection_id: s.conn, inputs: { id: 't/1', title: 'New' }, dry_run: true, wait_ms: 10_000 },
    })
    expect(res.json.output.requests).toEqual([
      {
        method: 'PUT',
        url: `${s.upstream.url}/api/tasks/t%2F1`,
        headers: expect.objectContaining({ authorization: 'Bearer [redacted]' }),
        body: { title: 'New' },
      },
    ])
    expect(s.upstream.requests.length).toBe(before)
  })

  it('cuts an output over runs.maxOutputBytes to its longest list and says output_truncated', async () => {
    const small = await s.api('/v1/runs', { body: { action: 'tasks.list_many', connection_id: s.conn, inputs: { n: 3 }, wait_ms: 10_000 } })
    expect(small.json).toMatchObject({ status: 'succeeded', output_truncated: false, output: { total: 3 } })
    expect(small.json.output.tasks).toHaveLength(3)
    const big = await s.api('/v1/runs', {
      body: { action: 'tasks.list_many', connection_id: s.conn, inputs: { n: 5000 }, wait_ms: 10_000 },
    })
    expect(big.json).toMatchObject({ status: 'succeeded', output_truncated: true, output: { total: 5000 } })
    const kept = big.json.output.tasks.length
    expect(kept).toBeGreaterThan(100)
    expect(kept).toBeLessThan(5000)
    expect(Buffer.byteLength(JSON.stringify(big.json.output))).toBeLessThanOrEqual(64 * 1024)
    expect(big.json.output.tasks[kept - 1]).toEqual({ id: `t${kept - 1}`, note: 'x'.repeat(100) })
    const again = await s.api(`/v1/runs/${big.json.id}`)
    expect(again.json).toMatchObject({ output_truncated: true })
  })

  it('describes a dynamic input from the app for a connection, once the fields it depends on are there', async () => {
    const detail = await s.api('/v1/actions/tasks.list_many')
    expect(detail.json.dynamic_input).toEqual({ field: 'fields', depends_on: ['n'] })
    expect((await s.api('/v1/actions/tasks.create_task')).json.dynamic_input).toBeNull()
    const early = await s.api('/v1/actions/tasks.list_many/schema', { body: { connection_id: s.conn } })
    expect(early.status).toBe(400)
    expect(early.json.error.message).toContain('inputs.n is needed first')
    const res = await s.api('/v1/actions/tasks.list_many/schema', { body: { connection_id: s.conn, inputs: { n: 2 } } })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      field: 'fields',
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { p1: { type: 'string', title: 'Launch' }, p2: { type: 'string', title: 'Hiring' } },
        required: ['p1'],
      },
    })
    expect((await s.api('/v1/actions/tasks.create_task/schema', { body: { connection_id: s.conn } })).status).toBe(404)
    const bob = await endUser(s.t, 'bob-schema')
    expect(
      (await s.api('/v1/actions/tasks.list_many/schema', { token: bob.token, body: { connection_id: s.conn, inputs: { n: 1 } } })).status,
    ).toBe(404)
  })

  it("keeps runs to their end user: another user's run is a 404 and absent from their list", async () => {
    const res = await s.api('/v1/runs', {
      body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 'mine' }, wait_ms: 10_000 },
    })
    const bob = await endUser(s.t, 'bob')
    expect((await s.api(`/v1/runs/${res.json.id}`, { token: bob.token })).status).toBe(404)
    expect((await s.api(`/v1/runs/${res.json.id}/logs`, { token: bob.token })).status).toBe(404)
    expect((await s.api(`/v1/runs/${res.json.id}/cancel`, { method: 'POST', token: bob.token })).status).toBe(404)
    expect((await s.api('/v1/runs', { token: bob.token })).json.data).toEqual([])
    const bobRun = await s.api('/v1/runs', {
      token: bob.token,
      body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 'x' } },
    })
    expect(bobRun.status).toBe(404)
    const mine = await s.api(`/v1/runs?action=tasks.get_task&status=succeeded&limit=100`)
    expect(mine.json.data.some((r: { id: string }) => r.id === res.json.id)).toBe(true)
  })

  it('ends a run requires_action with a reconnect link when the connection needs reauthorization', async () => {
    await s.t.server.services.database.db
      .updateTable('connections')
      .set({ status: 'needs_reauth', status_reason: 'revoked' })
      .where('id', '=', s.conn)
      .execute()
    s.t.server.services.proxy.forget(s.conn)
    try {
      const res = await s.api('/v1/runs', {
        body: { action: 'tasks.get_task', connection_id: s.conn, inputs: { id: 'z' }, wait_ms: 10_000 },
      })
      expect(res.json).toMatchObject({
        status: 'requires_action',
        error: { type: 'auth', code: 'connection_needs_reauth', attribution: 'connection' },
      })
      expect(res.json.error.connect_url).toMatch(new RegExp(`^${s.t.url}/to/tasks\\?token=`))
      // A listing mints no link (reading a page of such runs creates no sessions).
      const listed = await s.api('/v1/runs?status=requires_action')
      expect(listed.json.data.find((r: { id: string }) => r.id === res.json.id)?.error.connect_url).toBeUndefined()
    } finally {
      await s.t.server.services.database.db
        .updateTable('connections')
        .set({ status: 'active', status_reason: null })
        .where('id', '=', s.conn)
        .execute()
    }
  })
})

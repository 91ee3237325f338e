import type { IncomingMessage, ServerResponse } from 'node:http'
import { ActionError, defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import type { DatabaseTarget } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { API_KEY, addConnection, apiKeyApp, type EndUser, endUser, startUpstream, type Upstream } from '../proxy/proxy-setup.js'

/**
 * A custom app `tasks` (API key) on a local upstream, with actions written for the engine's tests:
 * a non-idempotent write, an idempotent read with a dynamic field, one that waits on the app, one
 * that returns what its schema refuses.
 */
export const taskActions = [
  defineAction({
    key: 'create_task',
    app: 'tasks',
    version: '1.0.0',
    type: 'write',
    title: 'Create a task',
    description: 'Creates a task in a project.',
    annotations: { readOnly: false, destructive: false, idempotent: false },
    scopes: [],
    input: Type.Object({ project: Type.String({ minLength: 1 }), title: Type.String({ minLength: 1, maxLength: 200 }) }),
    output: Type.Object({ id: Type.String(), title: Type.String() }),
    fields: {
      project: {
        searchable: true,
        options: async ({ http, query }) => {
          const res = await http.get<{ projects: { id: string; name: string }[] }>('/projects', query ? { q: query } : {})
          return { options: res.data.projects.map((p) => ({ label: p.name, value: p.id })) }
        },
      },
    },
    run: async (ctx, input) => {
      ctx.log.info('creating a task', { project: input.project })
      const res = await ctx.http.request<{ id: string; title: string }>({
        method: 'POST',
        path: `/projects/${encodeURIComponent(input.project)}/tasks`,
        headers: { 'idempotency-key': ctx.idempotencyKey },
        json: { title: input.title },
      })
      return { id: res.data.id, title: res.data.title }
    },
  }),
  defineAction({
    key: 'get_task',
    app: 'tasks',
    version: '1.2.0',
    type: 'read',
    title: 'Get a task',
    description: 'Reads one task.',
    annotations: { readOnly: true, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({ id: Type.String({ minLength: 1 }) }),
    output: Type.Object({ id: Type.String(), title: Type.String() }),
    timeoutMs: 2000,
    run: async (ctx, input) => {
      const res = await ctx.http.get<{ id: string; title: string }>(`/tasks/${encodeURIComponent(input.id)}`)
      if (res.data.title === 'forbidden-word')
        throw new ActionError({ type: 'validation', code: 'bad_title', message: 'that title is refused' })
      return res.data
    },
  }),
  defineAction({
    key: 'rename_task',
    app: 'tasks',
    version: '1.0.0',
    type: 'write',
    title: 'Rename a task',
    description: 'Reads the task, then renames it (a write after a read: its dry run comes from preview).',
    annotations: { readOnly: false, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({ id: Type.String({ minLength: 1 }), title: Type.String({ minLength: 1 }) }),
    output: Type.Object({ id: Type.String(), title: Type.String() }),
    run: async (ctx, input) => {
      const task = await ctx.http.get<{ id: string; title: string }>(`/tasks/${encodeURIComponent(input.id)}`)
      return { id: task.data.id, title: input.title }
    },
    preview: async (_ctx, input) => ({
      requests: [{ method: 'PUT', path: `/tasks/${encodeURIComponent(input.id)}`, json: { title: input.title } }],
    }),
  }),
  defineAction({
    key: 'list_many',
    app: 'tasks',
    version: '1.0.0',
    type: 'read',
    title: 'Lists many tasks',
    description: 'An output far over the output cap (its list is cut).',
    annotations: { readOnly: true, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({ n: Type.Integer({ minimum: 1 }), fields: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
    output: Type.Object({ total: Type.Integer(), tasks: Type.Array(Type.Object({ id: Type.String(), note: Type.String() })) }),
    dynamicInput: {
      field: 'fields',
      dependsOn: ['n'],
      schema: async ({ http }) => {
        const res = await http.get<{ projects: { id: string; name: string }[] }>('/projects')
        return {
          type: 'object',
          properties: Object.fromEntries(res.data.projects.map((p) => [p.id, { type: 'string', title: p.name }])),
          required: [res.data.projects[0]?.id ?? 'p1'],
        }
      },
    },
    run: async (_ctx, input) => ({
      total: input.n,
      tasks: Array.from({ length: input.n }, (_, i) => ({ id: `t${i}`, note: 'x'.repeat(100) })),
    }),
  }),
  defineAction({
    key: 'broken',
    app: 'tasks',
    version: '0.1.0',
    type: 'read',
    title: 'Broken output',
    description: 'Returns what its output schema refuses.',
    annotations: { readOnly: true, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({}),
    output: Type.Object({ n: Type.Integer() }),
    run: async () => ({ n: 'not a number' }) as never,
  }),
]

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
type Json = any

export interface RunSetup {
  t: TestServer
  upstream: Upstream
  alice: EndUser
  conn: string
  /** Tasks the upstream created (POST /api/projects/:p/tasks). */
  created: { project: string; title: string; key: string | undefined }[]
  /** Requests to GET /api/tasks/:id answered by `slowTask` so far, and whether each one's caller went away. */
  api(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string>; token?: string },
  ): Promise<{ status: number; json: Json; headers: Headers }>
  close(): Promise<void>
}

export type TaskHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>

/** The default upstream: projects, task creation, task reads. `override` answers first when it returns true. */
export async function startRunSetup(
  target: DatabaseTarget,
  options: {
    config?: Record<string, unknown>
    persistent?: boolean
    override?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean
  } = {},
): Promise<RunSetup> {
  const upstream = await startUpstream()
  const created: RunSetup['created'] = []
  upstream.handle((req, res, recorded) => {
    if (options.override?.(req, res, recorded.body)) return
    const url = new URL(recorded.url, 'http://x')
    if (req.headers.authorization !== `Bearer ${API_KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"bad key"}')
      return
    }
    if (req.method === 'GET' && url.pathname === '/api/projects') {
      const all = [
        { id: 'p1', name: 'Launch' },
        { id: 'p2', name: 'Hiring' },
      ]
      const q = url.searchParams.get('q')?.toLowerCase()
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ projects: q ? all.filter((p) => p.name.toLowerCase().includes(q)) : all }))
      return
    }
    const create = /^\/api\/projects\/([^/]+)\/tasks$/.exec(url.pathname)
    if (req.method === 'POST' && create) {
      const body = JSON.parse(recorded.body) as { title?: string }
      if (!body.title || body.title.length > 100) {
        res.writeHead(422, { 'content-type': 'application/json' }).end('{"message":"title is too long"}')
        return
      }
      created.push({
        project: decodeURIComponent(create[1] as string),
        title: body.title,
        key: req.headers['idempotency-key'] as string | undefined,
      })
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `t${created.length}`, title: body.title }))
      return
    }
    const read = /^\/api\/tasks\/([^/]+)$/.exec(url.pathname)
    if (req.method === 'GET' && read) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: read[1], title: `Task ${read[1]}` }))
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such route"}')
  })
  const t = await startTestServer({
    target,
    persistent: options.persistent ?? false,
    actions: taskActions as never,
    config: { apps: [apiKeyApp('tasks', `${upstream.url}/api`)], 'runs.retryBaseMs': 50, 'webhooks.dispatch': false, ...options.config },
  })
  const alice = await endUser(t, 'alice')
  const conn = await addConnection(t, alice, { app: 'tasks', credentials: { api_key: API_KEY } })
  return {
    t,
    upstream,
    alice,
    conn,
    created,
    async api(path, init = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? alice.token}`, ...init.headers }
      if (init.body !== undefined) headers['content-type'] = 'application/json'
      const res = await fetch(`${t.url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      })
      const text = await res.text()
      return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers }
    },
    async close() {
      await t.close()
      await upstream.close()
    },
  }
}

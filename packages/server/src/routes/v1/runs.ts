import { tokenActor } from '../../audit/audit-log.js'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PatchbayError } from '../../errors.js'
import { isTerminal } from '../../runs/run-store.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { requireScope } from './authenticate.js'
import { ActionId, CreateRunBody, Run, RunLogs, RunPage, RunStatusSchema, WaitQuery } from './action-schemas.js'
import { CursorQuery, LimitQuery, pageLimit } from './connection-query.js'

const security = [{ bearer: [] }]
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The run id.' }) })
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'Same key and body: the same run; same key, other body: 409.',
    }),
  ),
})
const ListQuery = Type.Object(
  {
    status: Type.Optional(RunStatusSchema),
    action: Type.Optional(ActionId),
    connection_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Optional(LimitQuery),
    cursor: Type.Optional(CursorQuery),
  },
  { additionalProperties: false },
)

function waitMs(value: number | undefined): number {
  return value ?? 0
}

/** `/v1/runs`: action runs of the end user (docs/actions.md). A finished run answers 200, one still going 202 (read again). */
export const runRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { runService: runs } = app.services
  const preHandler = requireScope('actions')

  app.post(
    '/runs',
    {
      preHandler,
      schema: {
        operationId: 'createRun',
        summary: 'Create a run',
        description:
          'Queues the action. With `wait_ms`, answers 200 with the run once it has ended within that time, else 202 with `Location`. ' +
          'An `Idempotency-Key` makes retries safe: the same key and body return the same run; another body is a 409.',
        tags: ['runs'],
        security,
        headers: IdempotencyHeaders,
        body: CreateRunBody,
        response: {
          200: ref(Run, { description: 'The run, ended within `wait_ms`.' }),
          202: ref(Run, { description: 'The run, still going: read it at `Location`.' }),
          ...errorResponses([400, 401, 403, 404, 409], {
            409: 'The `Idempotency-Key` was used with another body (`PB_ERR_CONFLICT`).',
          }),
        },
      },
    },
    async (req, reply) => {
      const b = req.body
      // Reserved for runs that AI agents start through /mcp (docs/mcp.md, "Calls are runs").
      if (req.headers['idempotency-key']?.startsWith('mcp:')) {
        throw new PatchbayError('PB_ERR_VALIDATION', 'an Idempotency-Key may not start with "mcp:" (reserved for MCP calls)')
      }
      if (b.metadata !== undefined && 'mcp' in b.metadata) {
        throw new PatchbayError('PB_ERR_VALIDATION', 'body.metadata.mcp is reserved for runs started through MCP')
      }
      const { run } = await runs.create(
        req.principal,
        {
          action: b.action,
          ...(b.version !== undefined ? { version: b.version } : {}),
          connectionId: b.connection_id,
          inputs: b.inputs,
          ...(req.headers['idempotency-key'] !== undefined ? { idempotencyKey: req.headers['idempotency-key'] } : {}),
          ...(b.timeout_ms !== undefined ? { timeoutMs: b.timeout_ms } : {}),
          ...(b.dry_run !== undefined ? { dryRun: b.dry_run } : {}),
          ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
          ...(b.webhook !== undefined ? { webhook: b.webhook } : {}),
        },
        tokenActor(req.principal),
      )
      const row = b.wait_ms ? await runs.get(req.principal, run.id, b.wait_ms) : run
      reply.code(isTerminal(row.status) ? 200 : 202)
      reply.header('location', `/v1/runs/${row.id}`)
      return runs.json(row)
    },
  )

  app.get(
    '/runs',
    {
      preHandler,
      schema: {
        operationId: 'listRuns',
        summary: 'List runs',
        description: 'Newest first. Follow `next_cursor` for more pages.',
        tags: ['runs'],
        security,
        querystring: ListQuery,
        response: { 200: ref(RunPage), ...errorResponses([400, 401, 403]) },
      },
    },
    async (req) => {
      const q = req.query
      const page = await runs.list(req.principal, {
        ...(q.status !== undefined ? { status: q.status as never } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.connection_id !== undefined ? { connectionId: q.connection_id } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        limit: pageLimit(q.limit),
      })
      return { data: await Promise.all(page.rows.map((row) => runs.json(row, { reconnectLink: false }))), next_cursor: page.nextCursor }
    },
  )

  app.get(
    '/runs/:id',
    {
      preHandler,
      schema: {
        operationId: 'getRun',
        summary: 'Get a run',
        description: 'With `wait_ms`, a long poll: answers as soon as the run ends (200) or when the wait is over (202: read again).',
        tags: ['runs'],
        security,
        params: IdParams,
        querystring: Type.Object({ wait_ms: Type.Optional(WaitQuery) }, { additionalProperties: false }),
        response: {
          200: ref(Run, { description: 'The run, ended.' }),
          202: ref(Run, { description: 'The run, still going.' }),
          ...errorResponses([400, 401, 403, 404]),
        },
      },
    },
    async (req, reply) => {
      const row = await runs.get(req.principal, req.params.id, waitMs(req.query.wait_ms))
      reply.code(isTerminal(row.status) ? 200 : 202)
      return runs.json(row)
    },
  )

  app.post(
    '/runs/:id/cancel',
    {
      preHandler,
      schema: {
        operationId: 'cancelRun',
        summary: 'Cancel a run',
        description: 'A queued or waiting run ends at once; a running one is aborted, its HTTP call too. 409 when it has already ended.',
        tags: ['runs'],
        security,
        params: IdParams,
        response: {
          200: ref(Run, { description: 'The run, canceled.' }),
          202: ref(Run, { description: 'The run, being canceled.' }),
          ...errorResponses([400, 401, 403, 404, 409], { 409: 'The run has already ended (`PB_ERR_CONFLICT`).' }),
        },
      },
    },
    async (req, reply) => {
      const row = await runs.cancel(req.principal, req.params.id)
      reply.code(isTerminal(row.status) ? 200 : 202)
      return runs.json(row)
    },
  )

  app.get(
    '/runs/:id/logs',
    {
      preHandler,
      schema: {
        operationId: 'getRunLogs',
        summary: "A run's logs",
        description:
          "Its HTTP exchanges with the app (method, path with secret-looking query values hidden, status, duration; never headers or bodies) and the action's own lines.",
        tags: ['runs'],
        security,
        params: IdParams,
        response: { 200: ref(RunLogs), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (req) => {
      return { data: await runs.logs(req.principal, req.params.id) }
    },
  )
}

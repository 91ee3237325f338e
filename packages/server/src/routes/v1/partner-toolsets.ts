import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ToolsetDefinition, ToolsetName } from '../../mcp/toolset-definition.js'
import type { StoredToolset } from '../../mcp/toolset-store.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { isoTime } from '../../lib/iso-time.js'

const security = [{ basic: [] }]
const Params = Type.Object({ name: ToolsetName })

/** The toolset definition as one component of the document (the config file and the CLI use the same schema). */
export const SharedToolsetDefinition = {
  ...ToolsetDefinition,
  $id: 'ToolsetDefinition',
  description: 'Which actions an MCP toolset offers AI agents, and how (docs/mcp.md).',
} as typeof ToolsetDefinition

const toolsetFields = {
  name: Type.String(),
  definition: ref(SharedToolsetDefinition),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
}
export const Toolset = Type.Object(toolsetFields, { $id: 'Toolset', description: 'A stored toolset.' })
export const ToolsetDetail = Type.Object(
  {
    ...toolsetFields,
    mode: Type.Union([Type.Literal('direct'), Type.Literal('discovery')]),
    actions: Type.Array(Type.String(), {
      description: 'The actions its tools run now: of apps the partner offers, at a version the toolset accepts.',
    }),
  },
  { $id: 'ToolsetDetail', description: 'A toolset with the actions its tools run now.' },
)
export const ToolsetList = Type.Object({ data: Type.Array(ref(Toolset)) }, { $id: 'ToolsetList', description: "The partner's toolsets." })

function toolsetJson(t: StoredToolset) {
  return {
    name: t.name,
    definition: t.definition,
    created_at: isoTime(t.createdAt),
    updated_at: isoTime(t.updatedAt),
  }
}

/** `/v1/partner/toolsets`: the partner's MCP toolsets (docs/mcp.md, "Toolsets"; HTTP Basic, see partner-auth.ts). */
export const partnerToolsetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { toolsets } = app.services

  app.get(
    '/toolsets',
    {
      schema: {
        operationId: 'listToolsets',
        summary: 'List toolsets',
        description: "The partner's MCP toolsets by name. The built-in `default` (every offered action, discovery mode) is not listed.",
        tags: ['mcp'],
        security,
        response: { 200: ref(ToolsetList), ...errorResponses([401, 429]) },
      },
    },
    async (req) => ({ data: (await toolsets.list(req.partner.id)).map(toolsetJson) }),
  )

  app.get(
    '/toolsets/:name',
    {
      schema: {
        operationId: 'getToolset',
        summary: 'Show a toolset',
        description: 'The definition, and the actions its tools run for this partner now.',
        tags: ['mcp'],
        security,
        params: Params,
        response: { 200: ref(ToolsetDetail), ...errorResponses([400, 401, 404, 429]) },
      },
    },
    async (req) => {
      const stored = await toolsets.get(req.partner.id, req.params.name)
      const resolved = await toolsets.resolve(req.partner.id, req.params.name)
      return {
        ...toolsetJson(stored),
        mode: resolved?.mode ?? 'direct',
        actions: (resolved?.tools ?? []).map((t) => t.action.id),
      }
    },
  )

  app.put(
    '/toolsets/:name',
    {
      schema: {
        operationId: 'putToolset',
        summary: 'Create or replace a toolset',
        description:
          'Checked before it is stored: the apps and actions exist, pinned versions are available, presets match the inputs, hidden inputs are optional. 201 when created, 200 when replaced; MCP tokens of this toolset see the change at once.',
        tags: ['mcp'],
        security,
        params: Params,
        body: ref(SharedToolsetDefinition),
        response: {
          200: ref(Toolset, { description: 'Replaced.' }),
          201: ref(Toolset, { description: 'Created.' }),
          ...errorResponses([400, 401, 429]),
        },
      },
    },
    async (req, reply) => {
      const created = await toolsets.save(req.partner.id, req.params.name, req.body)
      reply.code(created ? 201 : 200)
      return toolsetJson(await toolsets.get(req.partner.id, req.params.name))
    },
  )

  app.delete(
    '/toolsets/:name',
    {
      schema: {
        operationId: 'deleteToolset',
        summary: 'Delete a toolset',
        description:
          'MCP tokens of this toolset are refused from then on (401: mint one for another toolset). Deleting `default` brings back the built-in one.',
        tags: ['mcp'],
        security,
        params: Params,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses([400, 401, 404, 429]) },
      },
    },
    async (req, reply) => {
      await toolsets.delete(req.partner.id, req.params.name)
      reply.code(204).send(undefined as unknown as null)
    },
  )
}

import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ToolsetDefinition, ToolsetName } from '../../mcp/toolset-definition.js'
import type { StoredToolset } from '../../mcp/toolset-store.js'

const security = [{ basic: [] }]
const Params = Type.Object({ name: ToolsetName })

const Toolset = Type.Object({
  name: Type.String(),
  definition: ToolsetDefinition,
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})
const ToolsetDetail = Type.Object({
  ...Toolset.properties,
  mode: Type.Union([Type.Literal('direct'), Type.Literal('discovery')]),
  actions: Type.Array(Type.String(), {
    description: 'The actions its tools run now: of apps the partner offers, at a version the toolset accepts.',
  }),
})

function toolsetJson(t: StoredToolset) {
  return {
    name: t.name,
    definition: t.definition,
    created_at: new Date(t.createdAt).toISOString(),
    updated_at: new Date(t.updatedAt).toISOString(),
  }
}

/** `/v1/partner/toolsets`: the partner's MCP toolsets (docs/mcp.md, "Toolsets"; HTTP Basic, see partner-auth.ts). */
export const partnerToolsetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { toolsets } = app.services

  app.get(
    '/toolsets',
    {
      schema: {
        summary: 'List toolsets',
        description: "The partner's MCP toolsets by name. The built-in `default` (every offered action, discovery mode) is not listed.",
        tags: ['mcp'],
        security,
        response: { 200: Type.Object({ data: Type.Array(Toolset) }) },
      },
    },
    async (req) => ({ data: (await toolsets.list(req.partner.id)).map(toolsetJson) }),
  )

  app.get(
    '/toolsets/:name',
    {
      schema: {
        summary: 'Show a toolset',
        description: 'The definition, and the actions its tools run for this partner now.',
        tags: ['mcp'],
        security,
        params: Params,
        response: { 200: ToolsetDetail },
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
        summary: 'Create or replace a toolset',
        description:
          'Checked before it is stored: the apps and actions exist, pinned versions are available, presets match the inputs, hidden inputs are optional. 201 when created, 200 when replaced; MCP tokens of this toolset see the change at once.',
        tags: ['mcp'],
        security,
        params: Params,
        body: ToolsetDefinition,
        response: { 200: Toolset, 201: Toolset },
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
        summary: 'Delete a toolset',
        description:
          'MCP tokens of this toolset are refused from then on (401: mint one for another toolset). Deleting `default` brings back the built-in one.',
        tags: ['mcp'],
        security,
        params: Params,
        response: { 204: Type.Null() },
      },
    },
    async (req, reply) => {
      await toolsets.delete(req.partner.id, req.params.name)
      reply.code(204).send(undefined as unknown as null)
    },
  )
}

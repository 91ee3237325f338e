import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppJson } from '../../catalog/app-directory.js'
import { PatchbayError } from '../../errors.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { CursorQuery, pageSizeQuery } from './connection-query.js'

export const AppPage = Type.Object(
  {
    data: Type.Array(ref(AppJson)),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { $id: 'AppPage', additionalProperties: false, description: 'A page of apps, by key.' },
)
const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Words the key, name or description must all hold.' })),
    category: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$', description: 'Only apps of this category.' })),
    limit: Type.Optional(pageSizeQuery(200, 100)),
    cursor: Type.Optional(CursorQuery),
  },
  { additionalProperties: false },
)
const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 64, description: 'Catalog key of the app.' }) })

const security = [{ bearer: [] }]

/** `/v1/apps`: the catalog as this partner offers it (any valid access token may read it). */
export const appRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const directory = app.services.appDirectory

  app.get(
    '/apps',
    {
      schema: {
        operationId: 'listApps',
        summary: 'List apps',
        description:
          'Apps the end user can connect (OAuth apps once the partner configured its client) and apps that need no connection ' +
          '(`connect_link: null`), sorted by key, a page at a time (`next_cursor`); `q` and `category` narrow the list.',
        tags: ['apps'],
        security,
        querystring: ListQuery,
        response: { 200: ref(AppPage), ...errorResponses([400, 401]) },
      },
    },
    async (req) => {
      const { q, category, cursor } = req.query
      return directory.page(req.principal.partnerId, {
        limit: req.query.limit ?? 100,
        ...(q !== undefined ? { q } : {}),
        ...(category !== undefined ? { category } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      })
    },
  )

  app.get(
    '/apps/:key',
    {
      schema: {
        operationId: 'getApp',
        summary: 'Get an app',
        tags: ['apps'],
        security,
        params: KeyParams,
        response: { 200: ref(AppJson), ...errorResponses([400, 401, 404]) },
      },
    },
    async (req) => {
      const { key } = req.params
      const described = await directory.get(req.principal.partnerId, key)
      if (!described) throw new PatchbayError('PB_ERR_NOT_FOUND', `no app "${key}"`)
      return described
    },
  )
}

import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppJson } from '../../catalog/app-directory.js'
import { PatchbayError } from '../../errors.js'
import { CursorQuery } from './connection-query.js'

const AppList = Type.Object(
  {
    data: Type.Array(AppJson),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { additionalProperties: false },
)
const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Words the key, name or description must all hold.' })),
    category: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$', description: 'Only apps of this category.' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: 'Page size, 1 to 200 (default 100).' })),
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
        summary: 'List apps',
        description:
          'Apps the end user can connect (OAuth apps once the partner configured its client) and apps that need no connection ' +
          '(`connect_link: null`), sorted by key, a page at a time (`next_cursor`); `q` and `category` narrow the list.',
        tags: ['apps'],
        security,
        querystring: ListQuery,
        response: { 200: AppList },
      },
    },
    async (req) => {
      const { q, category, cursor } = req.query
      const limit = req.query.limit === undefined ? 100 : Number(req.query.limit)
      if (limit < 1 || limit > 200) throw new PatchbayError('PB_ERR_VALIDATION', 'querystring.limit must be from 1 to 200')
      return directory.page(req.principal.partnerId, {
        limit,
        ...(q !== undefined ? { q } : {}),
        ...(category !== undefined ? { category } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      })
    },
  )

  app.get(
    '/apps/:key',
    { schema: { summary: 'Get an app', tags: ['apps'], security, params: KeyParams, response: { 200: AppJson } } },
    async (req) => {
      const { key } = req.params
      const described = await directory.get(req.principal.partnerId, key)
      if (!described) throw new PatchbayError('PB_ERR_NOT_FOUND', `no app "${key}"`)
      return described
    },
  )
}

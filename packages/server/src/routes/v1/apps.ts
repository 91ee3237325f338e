import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppJson } from '../../catalog/app-directory.js'
import { PatchbayError } from '../../errors.js'

const AppList = Type.Object({ data: Type.Array(AppJson) }, { additionalProperties: false })
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
          '(`connect_link: null`), sorted by key.',
        tags: ['apps'],
        security,
        response: { 200: AppList },
      },
    },
    async (req) => ({ data: await directory.list(req.principal.partnerId) }),
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

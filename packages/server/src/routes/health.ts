import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { PatchbayError } from '../errors.js'

const Status = Type.Object({ status: Type.String() })

/** `/healthz`: the process is alive. `/readyz`: it can serve (database reachable, not shutting down). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { hide: true, response: { 200: Status } } }, async () => ({ status: 'ok' }))
  app.get('/readyz', { schema: { hide: true, response: { 200: Status } } }, async () => {
    if (app.shuttingDown) throw new PatchbayError('PB_ERR_NOT_READY', 'the server is shutting down')
    try {
      await sql`select 1`.execute(app.services.database.db)
    } catch (err) {
      throw new PatchbayError('PB_ERR_NOT_READY', 'the database is not reachable', { cause: err })
    }
    return { status: 'ready' }
  })
}

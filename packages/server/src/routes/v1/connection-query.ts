import { Type } from '@sinclair/typebox'
import { ConnectionJson } from '../../connections/connection-json.js'
import { ref } from '../../lib/schema-ref.js'

/** Query and page schemas shared by the end user's and the partner's connection listings. */

export const ConnectionStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('needs_reauth'), Type.Literal('error')])
export const AppKeyQuery = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Only connections of this app.' })
export const CursorQuery = Type.String({ minLength: 1, maxLength: 512, description: '`next_cursor` of the previous page.' })

/** `limit` of a list: an integer from 1 to `max` (query strings are coerced to their schema's type), `fallback` when absent. */
export function pageSizeQuery(max: number, fallback: number) {
  return Type.Integer({ minimum: 1, maximum: max, default: fallback, description: `Page size, 1 to ${max} (default ${fallback}).` })
}

export const LimitQuery = pageSizeQuery(100, 25)

/** The page size asked for, or the default of {@link LimitQuery}. */
export function pageLimit(limit: number | undefined): number {
  return limit ?? 25
}

export const ConnectionPage = Type.Object(
  {
    data: Type.Array(ref(ConnectionJson)),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { $id: 'ConnectionPage', additionalProperties: false, description: 'A page of connections, oldest first.' },
)

import { Type } from '@sinclair/typebox'
import { ConnectionJson } from '../../connections/connection-json.js'
import { PatchbayError } from '../../errors.js'

/** Query and page schemas shared by the end user's and the partner's connection listings. */

export const ConnectionStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('needs_reauth'), Type.Literal('error')])
export const AppKeyQuery = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Only connections of this app.' })
export const CursorQuery = Type.String({ minLength: 1, maxLength: 512, description: '`next_cursor` of the previous page.' })
export const LimitQuery = Type.String({ pattern: '^[0-9]{1,3}$', description: 'Page size, 1 to 100 (default 25).' })

export const ConnectionPage = Type.Object(
  {
    data: Type.Array(ConnectionJson),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { additionalProperties: false },
)

/** `limit` arrives as text (query strings are not coerced): 1 to 100, 25 by default. */
export function pageLimit(limit: string | undefined): number {
  const value = limit === undefined ? 25 : Number(limit)
  if (!Number.isInteger(value) || value < 1 || value > 100)
    throw new PatchbayError('PB_ERR_VALIDATION', 'querystring.limit must be from 1 to 100')
  return value
}

import { PatchbayError } from '../errors.js'

/** Opaque page cursor: the (created_at, id) of the last row of a page, as base64url JSON. */
export function encodePageCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url')
}

/** The (created_at, id) a cursor stands for; anything else is a 400 naming the parameter. */
export function decodePageCursor(cursor: string): [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return [value[0] as number, value[1] as string]
    }
  } catch {
    // answered below
  }
  throw new PatchbayError('PB_ERR_VALIDATION', 'querystring.cursor is not a next_cursor value from a previous page')
}

// Shared by the HubSpot search actions: POST /crm/v3/objects/{objectType}/search, from HubSpot's CRM
// API reference ("Search", https://developers.hubspot.com/docs/api/crm/search). The body takes
// `filterGroups` (groups ORed, the filters of a group ANDed; each filter {propertyName, operator,
// value}, at most 6 filters per group), `query` (text matched against the object's default searchable
// properties), `properties`, `sorts`, `limit` (at most 200 a page) and `after` (the paging cursor);
// the answer is {total, results, paging.next.after}, without `paging` on the last page.
import { Type } from '@sinclair/typebox'
import type { ActionHttp } from '../../../src/define-action.js'
import type { HubSpotRecord } from './_contacts.js'

export const Operator = Type.Union(
  ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'].map((o) =>
    Type.Literal(o),
  ),
)

export const SearchInput = {
  query: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Text searched in the default searchable properties.' })),
  filters: Type.Optional(
    Type.Array(
      Type.Object({
        propertyName: Type.String({ minLength: 1, maxLength: 100 }),
        operator: Operator,
        value: Type.Optional(Type.String({ maxLength: 1000 })),
      }),
      { maxItems: 6, description: 'Property filters, all of which must match.' },
    ),
  ),
  properties: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'Properties to return.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20, description: 'Records per page (HubSpot allows 200).' })),
  cursor: Type.Optional(Type.String({ minLength: 1, description: '`next_cursor` of a previous answer.' })),
}

export const FoundRecord = Type.Object({
  id: Type.String(),
  properties: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
  created_at: Type.String(),
  updated_at: Type.String(),
})

export interface SearchParams {
  query?: string
  filters?: { propertyName: string; operator: string; value?: string }[]
  properties?: string[]
  limit?: number
  cursor?: string
}

/** One page of a CRM search; `next_cursor` is HubSpot's `paging.next.after`. */
export async function searchObjects(http: ActionHttp, objectType: string, input: SearchParams, defaultProperties: string[]) {
  const res = await http.post<{ total: number; results: HubSpotRecord[]; paging?: { next?: { after?: string } } }>(
    `/crm/v3/objects/${objectType}/search`,
    {
      ...(input.query !== undefined ? { query: input.query } : {}),
      ...(input.filters?.length ? { filterGroups: [{ filters: input.filters }] } : {}),
      properties: input.properties ?? defaultProperties,
      limit: input.limit ?? 20,
      ...(input.cursor !== undefined ? { after: input.cursor } : {}),
    },
  )
  return {
    total: res.data.total,
    results: res.data.results.map((r) => ({ id: r.id, properties: r.properties, created_at: r.createdAt, updated_at: r.updatedAt })),
    next_cursor: res.data.paging?.next?.after ?? null,
  }
}

// POST /crm/v3/objects/contacts/search, from HubSpot's CRM API reference ("Search"):
// https://developers.hubspot.com/docs/api/crm/search
// The body takes `filterGroups` (groups ORed, the filters of a group ANDed; each filter
// {propertyName, operator, value}), `query` (text matched against the default searchable properties),
// `properties`, `limit` (at most 200) and `after`; the answer is {total, results, paging.next.after}.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import type { HubSpotRecord } from './_contacts.js'

const Operator = Type.Union(
  ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'].map((o) =>
    Type.Literal(o),
  ),
)

const DEFAULT_PROPERTIES = ['email', 'firstname', 'lastname', 'lifecyclestage', 'createdate', 'lastmodifieddate']

export default defineAction({
  key: 'search_contacts',
  app: 'hubspot',
  version: '1.0.0',
  type: 'search',
  title: 'Search contacts',
  description: 'Finds contacts by text (name, email, phone, company…) and/or by property filters that must all match.',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['crm.objects.contacts.read'],
  input: Type.Object({
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
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
    after: Type.Optional(Type.String({ description: '`next_after` of a previous answer.' })),
  }),
  output: Type.Object({
    total: Type.Integer(),
    contacts: Type.Array(
      Type.Object({
        id: Type.String(),
        properties: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
        created_at: Type.String(),
        updated_at: Type.String(),
      }),
    ),
    next_after: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const res = await ctx.http.post<{ total: number; results: HubSpotRecord[]; paging?: { next?: { after?: string } } }>(
      '/crm/v3/objects/contacts/search',
      {
        ...(input.query !== undefined ? { query: input.query } : {}),
        ...(input.filters?.length ? { filterGroups: [{ filters: input.filters }] } : {}),
        properties: input.properties ?? DEFAULT_PROPERTIES,
        limit: input.limit ?? 20,
        ...(input.after !== undefined ? { after: input.after } : {}),
      },
    )
    return {
      total: res.data.total,
      contacts: res.data.results.map((c) => ({ id: c.id, properties: c.properties, created_at: c.createdAt, updated_at: c.updatedAt })),
      next_after: res.data.paging?.next?.after ?? null,
    }
  },
})

// POST /crm/v3/objects/deals/search, from HubSpot's CRM API reference ("Search"):
// https://developers.hubspot.com/docs/api/crm/search (body and paging: ./_search.ts). A deal's
// default properties are described in https://developers.hubspot.com/docs/api/crm/deals.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { FoundRecord, SearchInput, searchObjects } from './_search.js'

const DEFAULT_PROPERTIES = ['dealname', 'amount', 'pipeline', 'dealstage', 'closedate', 'createdate', 'hs_lastmodifieddate']

export default defineAction({
  key: 'search_deals',
  app: 'hubspot',
  version: '1.0.0',
  type: 'search',
  title: 'Search deals',
  description: 'Finds deals by text (deal name…) and/or by property filters that must all match, e.g. dealstage EQ closedwon.',
  docs: 'https://developers.hubspot.com/docs/api/crm/search',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['crm.objects.deals.read'],
  input: Type.Object(SearchInput),
  output: Type.Object({
    total: Type.Integer(),
    deals: Type.Array(FoundRecord),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const found = await searchObjects(ctx.http, 'deals', input, DEFAULT_PROPERTIES)
    return { total: found.total, deals: found.results, next_cursor: found.next_cursor }
  },
})

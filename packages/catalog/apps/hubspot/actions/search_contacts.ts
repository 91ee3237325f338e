// POST /crm/v3/objects/contacts/search, from HubSpot's CRM API reference ("Search"):
// https://developers.hubspot.com/docs/api/crm/search (body and paging: ./_search.ts).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { FoundRecord, SearchInput, searchObjects } from './_search.js'

const DEFAULT_PROPERTIES = ['email', 'firstname', 'lastname', 'lifecyclestage', 'createdate', 'lastmodifieddate']

export default defineAction({
  key: 'search_contacts',
  app: 'hubspot',
  version: '1.0.0',
  type: 'search',
  title: 'Search contacts',
  description: 'Finds contacts by text (name, email, phone, company…) and/or by property filters that must all match.',
  docs: 'https://developers.hubspot.com/docs/api/crm/search',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['crm.objects.contacts.read'],
  input: Type.Object(SearchInput),
  output: Type.Object({
    total: Type.Integer(),
    contacts: Type.Array(FoundRecord),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const found = await searchObjects(ctx.http, 'contacts', input, DEFAULT_PROPERTIES)
    return { total: found.total, contacts: found.results, next_cursor: found.next_cursor }
  },
})

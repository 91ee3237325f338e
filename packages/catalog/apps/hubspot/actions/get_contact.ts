// GET /crm/v3/objects/contacts/{contactId}, from HubSpot's CRM API reference ("Contacts", retrieve a
// contact): https://developers.hubspot.com/docs/api/crm/contacts
// `properties` is a comma-separated list of the properties to return (default: a few standard ones);
// `idProperty` names a unique property (e.g. email) when the ID given is not the record ID. An unknown
// contact answers 404 with category "OBJECT_NOT_FOUND".
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import type { HubSpotRecord } from './_contacts.js'

const DEFAULT_PROPERTIES = ['email', 'firstname', 'lastname', 'phone', 'company', 'lifecyclestage', 'createdate', 'lastmodifieddate']

export default defineAction({
  key: 'get_contact',
  app: 'hubspot',
  version: '1.0.0',
  type: 'read',
  title: 'Get a contact',
  description: 'Reads one contact by its record ID, or by its email address.',
  docs: 'https://developers.hubspot.com/docs/api/crm/contacts',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['crm.objects.contacts.read'],
  input: Type.Object({
    contact_id: Type.String({ minLength: 1, maxLength: 254, description: "The contact's record ID, or its email when by is email." }),
    by: Type.Optional(
      Type.Union([Type.Literal('id'), Type.Literal('email')], {
        default: 'id',
        description: 'What contact_id is: the record ID or the email.',
      }),
    ),
    properties: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'Properties to return.' }),
    ),
  }),
  output: Type.Object({
    id: Type.String(),
    properties: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
    created_at: Type.String(),
    updated_at: Type.String(),
    archived: Type.Boolean(),
  }),
  run: async (ctx, input) => {
    const res = await ctx.http.get<HubSpotRecord>(`/crm/v3/objects/contacts/${encodeURIComponent(input.contact_id)}`, {
      properties: (input.properties ?? DEFAULT_PROPERTIES).join(','),
      ...(input.by === 'email' ? { idProperty: 'email' } : {}),
    })
    const c = res.data
    return { id: c.id, properties: c.properties, created_at: c.createdAt, updated_at: c.updatedAt, archived: c.archived ?? false }
  },
})

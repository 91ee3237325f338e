// POST /crm/v3/objects/contacts, from HubSpot's CRM API reference ("Contacts", create a contact):
// https://developers.hubspot.com/docs/api/crm/contacts
// The body is {properties: {email, firstname, lastname, ...}}; email is the contact's unique key, and
// creating a contact whose email already exists answers 409 with category "CONFLICT" and a message
// "Contact already exists. Existing ID: …" (error shape: https://developers.hubspot.com/docs/api-reference/error-handling).
import { Type } from '@sinclair/typebox'
import { ActionError, ActionHttpError, defineAction } from '../../../src/define-action.js'
import { type HubSpotRecord, lifecycleStageOptions } from './_contacts.js'

export default defineAction({
  key: 'create_contact',
  app: 'hubspot',
  version: '1.0.0',
  type: 'write',
  title: 'Create a contact',
  description: 'Creates a contact in the HubSpot CRM. Fails with contact_exists when a contact already has the email.',
  docs: 'https://developers.hubspot.com/docs/api/crm/contacts',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['crm.objects.contacts.write'],
  input: Type.Object({
    email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' }),
    firstname: Type.Optional(Type.String({ maxLength: 256 })),
    lastname: Type.Optional(Type.String({ maxLength: 256 })),
    phone: Type.Optional(Type.String({ maxLength: 64 })),
    company: Type.Optional(Type.String({ maxLength: 256 })),
    lifecyclestage: Type.Optional(Type.String({ maxLength: 100, description: "The stage's internal value, e.g. lead or customer." })),
    properties: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z0-9_]+$' }), Type.String(), { description: 'Other contact properties by internal name.' }),
    ),
  }),
  output: Type.Object({
    id: Type.String(),
    properties: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
    created_at: Type.String(),
  }),
  fields: { lifecyclestage: { options: lifecycleStageOptions } },
  run: async (ctx, input) => {
    try {
      const res = await ctx.http.post<HubSpotRecord>('/crm/v3/objects/contacts', contactBody(input))
      return { id: res.data.id, properties: res.data.properties, created_at: res.data.createdAt }
    } catch (err) {
      if (err instanceof ActionHttpError && err.status === 409) {
        const said = (err.data as { message?: unknown } | null)?.message
        throw new ActionError({
          type: 'validation',
          code: 'contact_exists',
          message: typeof said === 'string' ? said.slice(0, 300) : `a contact with the email ${input.email} already exists`,
        })
      }
      throw err
    }
  },
})

function contactBody(input: {
  email: string
  firstname?: string
  lastname?: string
  phone?: string
  company?: string
  lifecyclestage?: string
  properties?: Record<string, string>
}) {
  const { properties: extra, ...named } = input
  const properties: Record<string, string> = { ...extra }
  for (const [name, value] of Object.entries(named)) if (value !== undefined) properties[name] = value
  return { properties }
}

// POST /crm/v3/objects/deals, from HubSpot's CRM API reference ("Deals", create deals):
// https://developers.hubspot.com/docs/api/crm/deals
// The body is {properties: {dealname, pipeline, dealstage, amount, closedate, ...}, associations?};
// pipeline and dealstage take internal IDs (GET /crm/v3/pipelines/deals, see ./_deals.ts). A deal is
// associated with a contact by {to: {id}, types: [{associationCategory: "HUBSPOT_DEFINED",
// associationTypeId: 3}]} (deal to contact, "Associations v4" default type IDs:
// https://developers.hubspot.com/docs/api/crm/associations). Errors: {status, message, correlationId,
// category} (https://developers.hubspot.com/docs/api-reference/error-handling).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import type { HubSpotRecord } from './_contacts.js'
import { dealStageOptions, pipelineOptions } from './_deals.js'

const DEAL_TO_CONTACT = 3

export default defineAction({
  key: 'create_deal',
  app: 'hubspot',
  version: '1.0.0',
  type: 'write',
  title: 'Create a deal',
  description: 'Creates a deal in a pipeline stage of the HubSpot CRM, optionally associated with contacts.',
  docs: 'https://developers.hubspot.com/docs/api/crm/deals',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['crm.objects.deals.write'],
  input: Type.Object({
    dealname: Type.String({ minLength: 1, maxLength: 256, description: 'The name of the deal.' }),
    pipeline: Type.String({ minLength: 1, maxLength: 100, description: 'The internal ID of the pipeline, e.g. default.' }),
    dealstage: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'The internal ID of a stage of the pipeline, e.g. appointmentscheduled.',
    }),
    amount: Type.Optional(Type.Number({ description: "The deal's amount, in the account's currency." })),
    closedate: Type.Optional(
      Type.String({
        pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2}))?$',
        description: 'The expected close date, ISO 8601, e.g. 2026-06-30 or 2026-06-30T17:00:00Z.',
      }),
    ),
    contact_ids: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9]+$' }), { maxItems: 100, description: 'IDs of contacts to associate with the deal.' }),
    ),
    properties: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z0-9_]+$' }), Type.String(), { description: 'Other deal properties by internal name.' }),
    ),
  }),
  output: Type.Object({
    id: Type.String(),
    properties: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
    created_at: Type.String(),
  }),
  fields: {
    pipeline: { options: pipelineOptions },
    dealstage: { dependsOn: ['pipeline'], options: dealStageOptions },
  },
  run: async (ctx, input) => {
    const properties: Record<string, string> = {
      ...input.properties,
      dealname: input.dealname,
      pipeline: input.pipeline,
      dealstage: input.dealstage,
      ...(input.amount !== undefined ? { amount: String(input.amount) } : {}),
      ...(input.closedate !== undefined ? { closedate: input.closedate } : {}),
    }
    const associations = (input.contact_ids ?? []).map((id) => ({
      to: { id },
      types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: DEAL_TO_CONTACT }],
    }))
    const res = await ctx.http.post<HubSpotRecord>('/crm/v3/objects/deals', {
      properties,
      ...(associations.length > 0 ? { associations } : {}),
    })
    return { id: res.data.id, properties: res.data.properties, created_at: res.data.createdAt }
  },
})

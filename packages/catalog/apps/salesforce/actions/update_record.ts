// PATCH /services/data/vXX.X/sobjects/{object}/{id}, from the REST API Developer Guide ("Update a Record",
// sObject Rows): the body holds only the fields to change; success is 204 with no body; an unknown ID is
// 404 NOT_FOUND, a bad value 400 (e.g. INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST).
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_update_fields.htm
// The fields' schema comes from sObject Describe (GET /sobjects/{object}/describe, updateable fields).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { DATA, FieldValues, objectFieldsSchema, objectOptions, RecordId, SObjectName, sf } from './_salesforce.js'

export default defineAction({
  key: 'update_record',
  app: 'salesforce',
  version: '1.0.0',
  type: 'write',
  title: 'Update a record',
  description: 'Sets field values on one record; fields not given keep their values.',
  docs: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_update_fields.htm',
  // Overwrites the values it sets (destructive); setting the same values again changes nothing more (idempotent).
  annotations: { readOnly: false, destructive: true, idempotent: true },
  scopes: ['api'],
  input: Type.Object({
    object: SObjectName,
    id: RecordId,
    fields: FieldValues('Field values to set by field API name, e.g. {"BillingCity": "San Francisco"}; null clears a field.'),
  }),
  output: Type.Object({ id: Type.String(), object: Type.String() }),
  fields: { object: { searchable: true, options: objectOptions('updateable') } },
  dynamicInput: { field: 'fields', dependsOn: ['object'], schema: (ctx) => objectFieldsSchema(ctx, 'update') },
  run: async (ctx, input) => {
    await sf(() => ctx.http.patch(`${DATA}/sobjects/${encodeURIComponent(input.object)}/${encodeURIComponent(input.id)}`, input.fields))
    return { id: input.id, object: input.object }
  },
})

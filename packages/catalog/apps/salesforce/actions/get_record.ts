// GET /services/data/vXX.X/sobjects/{object}/{id}?fields=…, from the REST API Developer Guide ("Get Field Values
// from a Standard Object Record", sObject Rows): answers the record's field values plus `attributes` {type, url}; an unknown ID is
// 404 NOT_FOUND.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_get_field_values.htm
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { DATA, FIELD_NAME, objectOptions, RecordId, RecordOutput, type SalesforceRecord, SObjectName, sf, toRecord } from './_salesforce.js'

export default defineAction({
  key: 'get_record',
  app: 'salesforce',
  version: '1.0.0',
  type: 'read',
  title: 'Get a record',
  description: 'Gets one record by object and ID, with all its fields or only the fields named.',
  docs: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_get_field_values.htm',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['api'],
  input: Type.Object({
    object: SObjectName,
    id: RecordId,
    fields: Type.Optional(
      Type.Array(Type.String({ pattern: FIELD_NAME }), {
        minItems: 1,
        maxItems: 200,
        uniqueItems: true,
        description: 'Field API names to return, e.g. ["Name", "BillingCity"]. All fields when absent.',
      }),
    ),
  }),
  output: RecordOutput,
  fields: { object: { searchable: true, options: objectOptions('retrieveable') } },
  run: async (ctx, input) => {
    const res = await sf(() =>
      ctx.http.get<SalesforceRecord>(
        `${DATA}/sobjects/${encodeURIComponent(input.object)}/${encodeURIComponent(input.id)}`,
        input.fields ? { fields: input.fields.join(',') } : undefined,
      ),
    )
    const record = toRecord(res.data)
    return { ...record, type: record.type ?? input.object, id: record.id ?? input.id }
  },
})

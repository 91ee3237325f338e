// POST /services/data/vXX.X/sobjects/{object}/, from the REST API Developer Guide ("Create a Record",
// sObject Basic Information): the body is the field values by API name; 201 answers {id, errors: [], success: true};
// a missing required field is 400 REQUIRED_FIELD_MISSING.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm
// The fields' schema comes from sObject Describe (GET /sobjects/{object}/describe).
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { DATA, FieldValues, objectFieldsSchema, objectOptions, type SalesforceError, SObjectName, sf } from './_salesforce.js'

export default defineAction({
  key: 'create_record',
  app: 'salesforce',
  version: '1.0.0',
  type: 'write',
  title: 'Create a record',
  description:
    'Creates a record of any object the user can create (Account, Contact, Lead, a custom object…) from field values by API name.',
  docs: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['api'],
  input: Type.Object({
    object: SObjectName,
    fields: FieldValues('Field values by field API name, e.g. {"Name": "Express Logistics and Transport"}.'),
  }),
  output: Type.Object({
    id: Type.String({ description: 'The new record ID.' }),
    object: Type.String(),
  }),
  fields: { object: { searchable: true, options: objectOptions('createable') } },
  dynamicInput: { field: 'fields', dependsOn: ['object'], schema: (ctx) => objectFieldsSchema(ctx, 'create') },
  run: async (ctx, input) => {
    const res = await sf(() =>
      ctx.http.post<{ id?: string; success?: boolean; errors?: SalesforceError[] }>(
        `${DATA}/sobjects/${encodeURIComponent(input.object)}/`,
        input.fields,
      ),
    )
    if (res.data.success === false || typeof res.data.id !== 'string') {
      const first = res.data.errors?.[0]
      throw new ActionError({
        type: 'validation',
        code: first?.errorCode ?? 'create_failed',
        message: first?.message ?? `Salesforce did not create the ${input.object} record`,
      })
    }
    return { id: res.data.id, object: input.object }
  },
})

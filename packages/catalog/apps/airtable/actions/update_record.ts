// PATCH /v0/{baseId}/{tableIdOrName}/{recordId}, from the Web API reference ("Update record"): PATCH changes only
// the fields sent (PUT would clear the others) and answers {id, createdTime, fields}; `typecast` lets Airtable
// convert strings. An unknown record is 404, a bad value 422.
// https://airtable.com/developers/web/api/update-record
// The fields' schema comes from Get base schema (GET /v0/meta/bases/{baseId}/tables).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import {
  type AirtableRecord,
  BaseId,
  baseOptions,
  CellValues,
  RecordId,
  RecordOutput,
  tableFieldsSchema,
  tableOptions,
  TableIdOrName,
  tablePath,
  toRecord,
  airtable,
} from './_airtable.js'

export default defineAction({
  key: 'update_record',
  app: 'airtable',
  version: '1.0.0',
  type: 'write',
  title: 'Update a record',
  description: 'Sets cell values on one record; fields not given keep their values.',
  docs: 'https://airtable.com/developers/web/api/update-record',
  // Overwrites the cells it sets (destructive); sending the same values again changes nothing more (idempotent).
  annotations: { readOnly: false, destructive: true, idempotent: true },
  scopes: ['data.records:write'],
  input: Type.Object({
    base: BaseId,
    table: TableIdOrName,
    record_id: RecordId,
    fields: CellValues('Cell values to set by field name (or field ID); null clears a cell.'),
    typecast: Type.Optional(
      Type.Boolean({ description: 'Let Airtable convert string values (and add missing select options). Off by default.' }),
    ),
  }),
  output: RecordOutput,
  fields: {
    base: { searchable: true, options: baseOptions },
    table: { dependsOn: ['base'], searchable: true, options: tableOptions },
  },
  dynamicInput: { field: 'fields', dependsOn: ['base', 'table'], schema: tableFieldsSchema },
  run: async (ctx, input) => {
    const res = await airtable(() =>
      ctx.http.patch<AirtableRecord>(`${tablePath(input.base, input.table)}/${encodeURIComponent(input.record_id)}`, {
        fields: input.fields,
        ...(input.typecast !== undefined ? { typecast: input.typecast } : {}),
      }),
    )
    return toRecord(res.data)
  },
})

// POST /v0/{baseId}/{tableIdOrName}, from the Web API reference ("Create records"): a single record is sent as
// {fields} at the top level and answered as {id, createdTime, fields}; `typecast` lets Airtable convert strings
// (e.g. add a select option). A bad value is 422 (e.g. INVALID_VALUE_FOR_COLUMN, UNKNOWN_FIELD_NAME).
// https://airtable.com/developers/web/api/create-records
// The fields' schema comes from Get base schema (GET /v0/meta/bases/{baseId}/tables).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import {
  type AirtableRecord,
  BaseId,
  baseOptions,
  CellValues,
  RecordOutput,
  tableFieldsSchema,
  tableOptions,
  TableIdOrName,
  tablePath,
  toRecord,
  airtable,
} from './_airtable.js'

export default defineAction({
  key: 'create_record',
  app: 'airtable',
  version: '1.0.0',
  type: 'write',
  title: 'Create a record',
  description: 'Adds a record to a table from cell values by field name.',
  docs: 'https://airtable.com/developers/web/api/create-records',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['data.records:write'],
  input: Type.Object({
    base: BaseId,
    table: TableIdOrName,
    fields: CellValues('Cell values by field name (or field ID), e.g. {"Name": "Union Square", "Visited": true}.'),
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
      ctx.http.post<AirtableRecord>(tablePath(input.base, input.table), {
        fields: input.fields,
        ...(input.typecast !== undefined ? { typecast: input.typecast } : {}),
      }),
    )
    return toRecord(res.data)
  },
})

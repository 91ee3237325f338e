// GET /v0/{baseId}/{tableIdOrName}, from the Web API reference ("List records"): pages of pageSize records
// (at most 100, default 100) with an `offset` for the next page; filterByFormula, view and sort[0][field] /
// sort[0][direction] narrow and order them; empty cells are left out of `fields`.
// https://airtable.com/developers/web/api/list-records
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import {
  type AirtableRecord,
  BaseId,
  baseOptions,
  RecordOutput,
  tableOptions,
  TableIdOrName,
  tablePath,
  toRecord,
  viewOptions,
  airtable,
} from './_airtable.js'

export default defineAction({
  key: 'list_records',
  app: 'airtable',
  version: '1.0.0',
  type: 'read',
  title: 'List records',
  description: 'Lists the records of a table, optionally only those of a view or matching a formula, one page at a time.',
  docs: 'https://airtable.com/developers/web/api/list-records',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['data.records:read'],
  input: Type.Object({
    base: BaseId,
    table: TableIdOrName,
    view: Type.Optional(Type.String({ minLength: 1, description: 'A view ID or name: only its records, in its order.' })),
    filter_by_formula: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 10000,
        description: "An Airtable formula, e.g. {Status} = 'Done'; records where it is truthy are kept.",
      }),
    ),
    sort_field: Type.Optional(Type.String({ minLength: 1, description: 'A field name or ID to sort by.' })),
    sort_direction: Type.Optional(
      Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'With sort_field; asc by default.' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Records per page (pageSize), at most 100. Default 100.' })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'next_cursor of the previous page (Airtable offset).' })),
  }),
  output: Type.Object({
    records: Type.Array(RecordOutput),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  fields: {
    base: { searchable: true, options: baseOptions },
    table: { dependsOn: ['base'], searchable: true, options: tableOptions },
    view: { dependsOn: ['base', 'table'], options: viewOptions },
  },
  run: async (ctx, input) => {
    const res = await airtable(() =>
      ctx.http.get<{ records: AirtableRecord[]; offset?: string }>(tablePath(input.base, input.table), {
        pageSize: input.limit ?? 100,
        offset: input.cursor,
        view: input.view,
        filterByFormula: input.filter_by_formula,
        'sort[0][field]': input.sort_field,
        'sort[0][direction]': input.sort_field ? input.sort_direction : undefined,
      }),
    )
    return { records: res.data.records.map(toRecord), next_cursor: res.data.offset ?? null }
  },
})

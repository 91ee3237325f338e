// GET /v0/{baseId}/{tableIdOrName}/{recordId}, from the Web API reference ("Get record"): answers
// {id, createdTime, fields}, empty cells left out; an unknown record is 404.
// https://airtable.com/developers/web/api/get-record
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import {
  type AirtableRecord,
  BaseId,
  baseOptions,
  RecordId,
  RecordOutput,
  tableOptions,
  TableIdOrName,
  tablePath,
  toRecord,
  airtable,
} from './_airtable.js'

export default defineAction({
  key: 'get_record',
  app: 'airtable',
  version: '1.0.0',
  type: 'read',
  title: 'Get a record',
  description: 'Gets one record of a table by its ID.',
  docs: 'https://airtable.com/developers/web/api/get-record',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['data.records:read'],
  input: Type.Object({ base: BaseId, table: TableIdOrName, record_id: RecordId }),
  output: RecordOutput,
  fields: {
    base: { searchable: true, options: baseOptions },
    table: { dependsOn: ['base'], searchable: true, options: tableOptions },
  },
  run: async (ctx, input) => {
    const res = await airtable(() =>
      ctx.http.get<AirtableRecord>(`${tablePath(input.base, input.table)}/${encodeURIComponent(input.record_id)}`),
    )
    return toRecord(res.data)
  },
})

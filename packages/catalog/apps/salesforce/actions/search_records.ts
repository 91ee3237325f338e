// GET /services/data/vXX.X/query?q=<SOQL>, and the next batches with GET /services/data/vXX.X/query/{queryLocator},
// from the REST API Developer Guide ("Query", "Query More Results"): answers {totalSize, done, nextRecordsUrl?,
// records}; nextRecordsUrl ends with the query locator. The Sforce-Query-Options header sets the batch size
// (200 to 2,000, default 2,000). An invalid query is 400 (MALFORMED_QUERY, INVALID_FIELD…).
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { DATA, RecordOutput, type SalesforceRecord, sf, toRecord } from './_salesforce.js'

interface QueryResult {
  totalSize: number
  done: boolean
  nextRecordsUrl?: string
  records: SalesforceRecord[]
}

export default defineAction({
  key: 'search_records',
  app: 'salesforce',
  version: '1.0.0',
  type: 'search',
  title: 'Search records with SOQL',
  description: 'Runs a SOQL query, e.g. "SELECT Id, Name FROM Account WHERE Industry = \'Energy\'", and returns one batch of records.',
  docs: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['api'],
  input: Type.Object({
    q: Type.String({
      minLength: 1,
      maxLength: 100000,
      description: 'A SOQL query. Ignored when `cursor` is given: the cursor continues its query.',
    }),
    limit: Type.Optional(
      Type.Integer({
        minimum: 200,
        maximum: 2000,
        description: 'Preferred batch size (Sforce-Query-Options batchSize); Salesforce may return fewer. Default 2000.',
      }),
    ),
    cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]+$', description: 'next_cursor of the previous batch (a query locator).' })),
  }),
  output: Type.Object({
    total_size: Type.Integer({ description: 'Rows the whole query matches.' }),
    records: Type.Array(RecordOutput),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const headers = input.limit !== undefined ? { 'Sforce-Query-Options': `batchSize=${input.limit}` } : undefined
    const res = await sf(() =>
      input.cursor
        ? ctx.http.request<QueryResult>({
            method: 'GET',
            path: `${DATA}/query/${encodeURIComponent(input.cursor)}`,
            ...(headers ? { headers } : {}),
          })
        : ctx.http.request<QueryResult>({ method: 'GET', path: `${DATA}/query`, query: { q: input.q }, ...(headers ? { headers } : {}) }),
    )
    const locator = !res.data.done && res.data.nextRecordsUrl ? (res.data.nextRecordsUrl.split('/').pop() ?? '') : ''
    return {
      total_size: res.data.totalSize,
      records: res.data.records.map(toRecord),
      next_cursor: locator !== '' ? locator : null,
    }
  },
})

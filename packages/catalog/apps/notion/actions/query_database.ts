// POST /v1/data_sources/{data_source_id}/query, from Notion's API reference ("Query a data source"):
// https://developers.notion.com/reference/query-a-data-source
// Under Notion-Version 2025-09-03 (app.yaml) a database holds one or more data sources and its rows are
// queried through a data source; GET /v1/databases/{database_id} lists them in `data_sources`
// ({id, name}) (https://developers.notion.com/docs/upgrade-guide-2025-09-03,
// https://developers.notion.com/reference/retrieve-a-database). The body takes `filter`, `sorts`,
// `start_cursor` and `page_size` (at most 100); the answer is {object: "list", results (pages),
// next_cursor, has_more} (https://developers.notion.com/reference/pagination).
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { dataSourceOptions, plainValue, titleOf } from './_notion.js'

/** A Notion ID: 32 hex digits, with or without dashes. */
const id = (description: string) => Type.String({ minLength: 32, maxLength: 36, pattern: '^[0-9a-fA-F-]+$', description })

interface PageResult {
  object: string
  id: string
  url?: string | null
  created_time: string
  last_edited_time: string
  properties?: Record<string, { type?: string; [key: string]: unknown }>
}

const Plain = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.String()), Type.Null()])

export default defineAction({
  key: 'query_database',
  app: 'notion',
  version: '1.0.0',
  type: 'search',
  title: 'Query a database',
  description:
    'Lists the rows (pages) of a database shared with the connection, optionally filtered and sorted, with their property values as plain values.',
  docs: 'https://developers.notion.com/reference/query-a-data-source',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    data_source_id: Type.Optional(id('The data source to query.')),
    database_id: Type.Optional(id('A database with a single data source, queried through it.')),
    filter: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'A Notion filter object, e.g. {"property": "Done", "checkbox": {"equals": true}}.',
      }),
    ),
    sorts: Type.Optional(
      Type.Array(Type.Record(Type.String(), Type.Unknown()), {
        maxItems: 100,
        description: 'Notion sort objects, e.g. [{"property": "Name", "direction": "ascending"}].',
      }),
    ),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: "`next_cursor` of a previous answer (Notion's start_cursor)." })),
  }),
  output: Type.Object({
    results: Type.Array(
      Type.Object({
        id: Type.String(),
        url: Type.Union([Type.String(), Type.Null()]),
        title: Type.String(),
        created_time: Type.String(),
        last_edited_time: Type.String(),
        properties: Type.Record(Type.String(), Plain, { description: 'Property values by property name.' }),
      }),
    ),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
    has_more: Type.Boolean(),
  }),
  fields: { data_source_id: { searchable: true, options: dataSourceOptions } },
  run: async (ctx, input) => {
    if ((input.data_source_id === undefined) === (input.database_id === undefined)) {
      throw new ActionError({ type: 'validation', code: 'source_required', message: 'give exactly one of data_source_id or database_id' })
    }
    let source = input.data_source_id
    if (source === undefined) {
      const db = await ctx.http.get<{ id: string; data_sources?: { id: string; name?: string }[] }>(`/databases/${input.database_id}`)
      const sources = db.data.data_sources ?? []
      if (sources.length !== 1) {
        throw new ActionError({
          type: 'validation',
          code: sources.length === 0 ? 'no_data_source' : 'several_data_sources',
          message: `the database has ${sources.length} data sources: give data_source_id (${sources.map((s) => s.id).join(', ')})`.slice(
            0,
            300,
          ),
        })
      }
      source = sources[0]!.id
    }
    const res = await ctx.http.post<{ results: PageResult[]; next_cursor: string | null; has_more: boolean }>(
      `/data_sources/${source}/query`,
      {
        ...(input.filter !== undefined ? { filter: input.filter } : {}),
        ...(input.sorts !== undefined ? { sorts: input.sorts } : {}),
        page_size: input.page_size ?? 25,
        ...(input.cursor !== undefined ? { start_cursor: input.cursor } : {}),
      },
    )
    return {
      results: res.data.results.map((p) => ({
        id: p.id,
        url: p.url ?? null,
        title: titleOf({ object: p.object, id: p.id, properties: p.properties as never }),
        created_time: p.created_time,
        last_edited_time: p.last_edited_time,
        properties: Object.fromEntries(Object.entries(p.properties ?? {}).map(([name, value]) => [name, plainValue(value)])),
      })),
      next_cursor: res.data.has_more ? res.data.next_cursor : null,
      has_more: res.data.has_more,
    }
  },
})

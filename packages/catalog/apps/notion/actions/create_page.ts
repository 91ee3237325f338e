// POST /v1/pages, from Notion's API reference ("Create a page"):
// https://developers.notion.com/reference/post-page
// The parent is {page_id}, {data_source_id} or (single-source databases) {database_id}
// (https://developers.notion.com/reference/parent-object, /docs/upgrade-guide-2025-09-03). Under a page
// the only valid property is `title`; under a database the keys are property names or IDs.
// Content is `children`, block objects: a paragraph is {type: "paragraph", paragraph: {rich_text}}
// (https://developers.notion.com/reference/block). A text object holds at most 2000 characters and
// a request at most 100 blocks (https://developers.notion.com/reference/request-limits).
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { pageOptions } from './_notion.js'

/** A Notion ID: 32 hex digits, with or without dashes. */
const id = (description: string) => Type.String({ minLength: 32, maxLength: 36, pattern: '^[0-9a-fA-F-]+$', description })

function text(content: string) {
  return [{ type: 'text', text: { content } }]
}

export default defineAction({
  key: 'create_page',
  app: 'notion',
  version: '1.0.0',
  type: 'write',
  title: 'Create a page',
  description: 'Creates a page under a page or in a database shared with the connection, with a title and optional paragraphs.',
  docs: 'https://developers.notion.com/reference/post-page',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: [],
  input: Type.Object({
    parent_page_id: Type.Optional(id('The page to create the page under.')),
    parent_database_id: Type.Optional(id('A database (with one data source) to add the page to.')),
    parent_data_source_id: Type.Optional(id('A data source to add the page to.')),
    title: Type.String({ minLength: 1, maxLength: 2000 }),
    title_property: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Name or ID of the title property in a database (default "title", the ID Notion gives it).',
      }),
    ),
    paragraphs: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 100, description: 'Page content, one paragraph each.' }),
    ),
  }),
  output: Type.Object({ id: Type.String(), url: Type.String() }),
  fields: { parent_page_id: { searchable: true, options: pageOptions } },
  run: async (ctx, input) => {
    const res = await ctx.http.post<{ id: string; url: string }>('/pages', pageBody(input))
    return { id: res.data.id, url: res.data.url }
  },
})

function pageBody(input: {
  parent_page_id?: string
  parent_database_id?: string
  parent_data_source_id?: string
  title: string
  title_property?: string
  paragraphs?: string[]
}) {
  const parents = [
    input.parent_page_id !== undefined ? { page_id: input.parent_page_id } : undefined,
    input.parent_database_id !== undefined ? { database_id: input.parent_database_id } : undefined,
    input.parent_data_source_id !== undefined ? { data_source_id: input.parent_data_source_id } : undefined,
  ].filter((p) => p !== undefined)
  if (parents.length !== 1) {
    throw new ActionError({
      type: 'validation',
      code: 'parent_required',
      message: 'give exactly one of parent_page_id, parent_database_id or parent_data_source_id',
    })
  }
  // Under a page the only property is `title`, whatever title_property says.
  const key = input.parent_page_id !== undefined ? 'title' : (input.title_property ?? 'title')
  return {
    parent: parents[0],
    properties: { [key]: { title: text(input.title) } },
    ...(input.paragraphs?.length
      ? { children: input.paragraphs.map((p) => ({ object: 'block', type: 'paragraph', paragraph: { rich_text: text(p) } })) }
      : {}),
  }
}

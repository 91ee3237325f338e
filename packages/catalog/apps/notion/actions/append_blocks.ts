// PATCH /v1/blocks/{block_id}/children, from Notion's API reference ("Append block children"):
// https://developers.notion.com/reference/patch-block-children
// The body is {children: [block objects]}, at most 100 a request, appended at the end of the page or
// block; a paragraph is {type: "paragraph", paragraph: {rich_text}} and a text object holds at most
// 2000 characters (https://developers.notion.com/reference/block, /reference/request-limits). The answer
// is a list of the new first-level blocks. A block the connection cannot see answers 404
// object_not_found; a connection without "insert content" capabilities, 403.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { pageOptions } from './_notion.js'

export default defineAction({
  key: 'append_blocks',
  app: 'notion',
  version: '1.0.0',
  type: 'write',
  title: 'Append paragraphs',
  description: 'Adds paragraphs at the end of a page (or of a block that takes children) shared with the connection.',
  docs: 'https://developers.notion.com/reference/patch-block-children',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: [],
  input: Type.Object({
    block_id: Type.String({
      minLength: 32,
      maxLength: 36,
      pattern: '^[0-9a-fA-F-]+$',
      description: 'The page (or block) to append to: 32 hex digits, with or without dashes.',
    }),
    paragraphs: Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), {
      minItems: 1,
      maxItems: 100,
      description: 'The text of each paragraph, in order.',
    }),
  }),
  output: Type.Object({
    blocks: Type.Array(Type.Object({ id: Type.String(), type: Type.String() }), { description: 'The new blocks, in order.' }),
  }),
  fields: { block_id: { searchable: true, options: pageOptions } },
  run: async (ctx, input) => {
    const res = await ctx.http.patch<{ results: { id: string; type: string }[] }>(`/blocks/${input.block_id}/children`, {
      children: input.paragraphs.map((content) => ({
        object: 'block',
        type: 'paragraph',
        paragraph: { rich_text: [{ type: 'text', text: { content } }] },
      })),
    })
    return { blocks: res.data.results.map((b) => ({ id: b.id, type: b.type })) }
  },
})

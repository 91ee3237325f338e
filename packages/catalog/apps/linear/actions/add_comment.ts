// The commentCreate mutation, from Linear's GraphQL API docs (https://linear.app/developers/graphql ,
// schema: Mutation.commentCreate(input: CommentCreateInput!) -> CommentPayload { success comment }).
// The input takes the issue (`issueId`: its UUID or its identifier such as ENG-123), the Markdown
// `body`, and `parentId` to reply in a thread.
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { graphql } from './_graphql.js'

export const COMMENT_CREATE = `mutation CommentCreate($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { id url createdAt } }
}`

export default defineAction({
  key: 'add_comment',
  app: 'linear',
  version: '1.0.0',
  type: 'write',
  title: 'Comment on an issue',
  description: 'Adds a Markdown comment to an issue, or a reply to one of its comments.',
  docs: 'https://linear.app/developers/graphql',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['write'],
  input: Type.Object({
    issueId: Type.String({ minLength: 1, maxLength: 64, description: 'The issue: its UUID or its identifier, e.g. ENG-123.' }),
    body: Type.String({ minLength: 1, maxLength: 100000, description: 'Markdown.' }),
    parentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A comment of the issue to reply to (its UUID).' })),
  }),
  output: Type.Object({ id: Type.String(), url: Type.String(), created_at: Type.String() }),
  run: async (ctx, input) => {
    const data = await graphql<{ commentCreate: { success: boolean; comment: { id: string; url: string; createdAt: string } | null } }>(
      ctx.http,
      COMMENT_CREATE,
      { input: { issueId: input.issueId, body: input.body, ...(input.parentId !== undefined ? { parentId: input.parentId } : {}) } },
    )
    const comment = data.commentCreate.comment
    if (!data.commentCreate.success || !comment)
      throw new ActionError({ type: 'provider', code: 'not_created', message: 'Linear answered commentCreate without a comment' })
    return { id: comment.id, url: comment.url, created_at: comment.createdAt }
  },
})

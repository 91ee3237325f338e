// POST /rest/api/3/issue/{issueIdOrKey}/comment, from the Jira Cloud platform REST API v3 reference ("Add comment"):
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { textToAdf } from './_adf.js'
import { ISSUE_KEY_OR_ID, seg } from './_fields.js'

interface Comment {
  id: string
  self: string
  created?: string
  author?: { accountId?: string; displayName?: string }
}

export default defineAction({
  key: 'add_comment',
  app: 'jira',
  version: '1.0.0',
  type: 'write',
  title: 'Add a comment to an issue',
  description: 'Adds a plain-text comment (sent as Atlassian Document Format) to an issue.',
  docs: 'https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: [],
  input: Type.Object({
    issue: Type.String({ pattern: ISSUE_KEY_OR_ID, description: 'The issue key (e.g. ED-24) or numeric id.' }),
    body: Type.String({ minLength: 1, maxLength: 32767, description: 'Plain text; blank lines separate paragraphs.' }),
  }),
  output: Type.Object({
    id: Type.String(),
    self: Type.String({ description: 'The comment in the REST API.' }),
    created: Type.Union([Type.String(), Type.Null()]),
    author: Type.Union([Type.Object({ account_id: Type.String(), display_name: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const res = await ctx.http.post<Comment>(`/rest/api/3/issue/${seg(input.issue)}/comment`, { body: textToAdf(input.body) })
    const c = res.data
    return {
      id: c.id,
      self: c.self,
      created: c.created ?? null,
      author: c.author?.accountId ? { account_id: c.author.accountId, display_name: c.author.displayName ?? null } : null,
    }
  },
})

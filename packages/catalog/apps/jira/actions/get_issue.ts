// GET /rest/api/3/issue/{issueIdOrKey}, from the Jira Cloud platform REST API v3 reference ("Get issue"):
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { ISSUE_KEY_OR_ID, issueDetails, IssueDetailsT, type JiraIssue, seg } from './_fields.js'

const FIELDS = [
  'summary',
  'status',
  'issuetype',
  'priority',
  'assignee',
  'reporter',
  'project',
  'labels',
  'created',
  'updated',
  'description',
]

export default defineAction({
  key: 'get_issue',
  app: 'jira',
  version: '1.0.0',
  type: 'read',
  title: 'Get an issue',
  description: 'Reads one issue by key or id: summary, status, type, people, labels, dates and the description as plain text.',
  docs: 'https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    issue: Type.String({ pattern: ISSUE_KEY_OR_ID, description: 'The issue key (e.g. ED-24) or numeric id.' }),
  }),
  output: IssueDetailsT,
  run: async (ctx, input) => {
    const res = await ctx.http.get<JiraIssue>(`/rest/api/3/issue/${seg(input.issue)}`, { fields: FIELDS.join(',') })
    return issueDetails(res.data)
  },
})

// POST /rest/api/3/search/jql, from the Jira Cloud platform REST API v3 reference ("Search for issues using JQL
// enhanced search (POST)"): https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post
// Paging: the answer's `nextPageToken` (absent on the last page) is sent back as `nextPageToken`; it is our cursor.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { type JiraIssue, issueSummary, IssueSummaryT } from './_fields.js'

const DEFAULT_FIELDS = ['summary', 'status', 'issuetype', 'priority', 'assignee', 'updated']

export default defineAction({
  key: 'search_issues',
  app: 'jira',
  version: '1.0.0',
  type: 'search',
  title: 'Search issues',
  description:
    'Finds issues with a JQL query, e.g. "project = ED AND status = \'In Progress\' ORDER BY updated DESC". The query must be bounded.',
  docs: 'https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    jql: Type.String({
      minLength: 1,
      maxLength: 100000,
      description: 'A bounded JQL query (with a search restriction, not only ORDER BY).',
    }),
    fields: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        maxItems: 100,
        description:
          'Fields to return in `fields` of each issue (e.g. summary, customfield_10000, *all). Default: summary, status, issuetype, priority, assignee, updated.',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 5000,
        description: 'Issues per page (default 50). Jira may return fewer when many fields are asked for.',
      }),
    ),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({
    issues: Type.Array(
      Type.Object({
        ...IssueSummaryT,
        fields: Type.Record(Type.String(), Type.Unknown(), { description: 'The fields asked for, as Jira returns them.' }),
      }),
    ),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const res = await ctx.http.post<{ issues?: JiraIssue[]; nextPageToken?: string | null; isLast?: boolean }>('/rest/api/3/search/jql', {
      jql: input.jql,
      maxResults: input.limit ?? 50,
      fields: input.fields ?? DEFAULT_FIELDS,
      ...(input.cursor ? { nextPageToken: input.cursor } : {}),
    })
    const token = res.data.nextPageToken
    return {
      issues: (res.data.issues ?? []).map((i) => ({ ...issueSummary(i), fields: i.fields ?? {} })),
      next_cursor: typeof token === 'string' && token !== '' && res.data.isLast !== true ? token : null,
    }
  },
})

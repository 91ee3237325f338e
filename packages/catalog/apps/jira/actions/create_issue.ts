// POST /rest/api/3/issue, from the Jira Cloud platform REST API v3 reference ("Create issue"):
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post
// Pickers: GET /rest/api/3/project/search and GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes; the
// fields of an issue type: GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId} (see _fields.ts).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { textToAdf } from './_adf.js'
import { browseUrl, createFieldsSchema, ISSUE_KEY_OR_ID, issueTypeOptions, projectOptions, ref } from './_fields.js'

export default defineAction({
  key: 'create_issue',
  app: 'jira',
  version: '1.0.0',
  type: 'write',
  title: 'Create an issue',
  description:
    'Creates an issue (or a sub-task, with a parent) in a Jira project. Other fields, custom ones included, go in `fields` by field id.',
  docs: 'https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: [],
  input: Type.Object({
    project: Type.String({ minLength: 1, maxLength: 255, description: 'The project key (e.g. ED) or numeric id.' }),
    issue_type: Type.String({ minLength: 1, maxLength: 255, description: 'The issue type id (e.g. 10001) or its name (e.g. Task).' }),
    summary: Type.String({ minLength: 1, maxLength: 255 }),
    description: Type.Optional(Type.String({ maxLength: 32767, description: 'Plain text; sent as Atlassian Document Format.' })),
    labels: Type.Optional(
      Type.Array(Type.String({ pattern: '^\\S+$', maxLength: 255 }), { maxItems: 100, description: 'Labels (no spaces).' }),
    ),
    assignee_account_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'The Atlassian account id of the assignee.' }),
    ),
    parent: Type.Optional(
      Type.String({ pattern: ISSUE_KEY_OR_ID, description: 'The parent issue key or id, for a sub-task or a child issue.' }),
    ),
    fields: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'Other fields by field id, in the shape Jira takes them, e.g. {"priority":{"name":"High"},"customfield_10000":"value"}. ' +
          'Multi-line text fields take Atlassian Document Format.',
      }),
    ),
  }),
  output: Type.Object({
    id: Type.String(),
    key: Type.String({ description: 'The issue key, e.g. ED-24.' }),
    url: Type.Union([Type.String({ description: 'The issue page on the Jira site.' }), Type.Null()]),
    self: Type.String({ description: 'The issue in the REST API.' }),
  }),
  fields: {
    project: { searchable: true, options: projectOptions },
    issue_type: { dependsOn: ['project'], options: issueTypeOptions },
  },
  dynamicInput: { field: 'fields', dependsOn: ['project', 'issue_type'], schema: createFieldsSchema },
  run: async (ctx, input) => {
    const fields: Record<string, unknown> = {
      ...(input.fields ?? {}),
      project: ref(input.project, 'key'),
      issuetype: ref(input.issue_type, 'name'),
      summary: input.summary,
      ...(input.description !== undefined ? { description: textToAdf(input.description) } : {}),
      ...(input.labels !== undefined ? { labels: input.labels } : {}),
      ...(input.assignee_account_id !== undefined ? { assignee: { id: input.assignee_account_id } } : {}),
      ...(input.parent !== undefined ? { parent: ref(input.parent, 'key') } : {}),
    }
    const res = await ctx.http.post<{ id: string; key: string; self: string }>('/rest/api/3/issue', { fields })
    return { id: res.data.id, key: res.data.key, url: browseUrl(res.data.self, res.data.key), self: res.data.self }
  },
})

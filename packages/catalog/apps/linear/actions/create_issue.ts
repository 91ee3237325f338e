// The issueCreate mutation, from Linear's GraphQL API docs ("Creating and editing issues"):
// https://linear.app/developers/graphql#creating-and-editing-issues
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { graphql, stateOptions, teamOptions } from './_graphql.js'

export const ISSUE_CREATE = `mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}`

export default defineAction({
  key: 'create_issue',
  app: 'linear',
  version: '1.0.0',
  type: 'write',
  title: 'Create an issue',
  description: "Creates an issue in a team, optionally in one of the team's workflow states.",
  docs: 'https://linear.app/developers/graphql#creating-and-editing-issues',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['write'],
  input: Type.Object({
    teamId: Type.String({ minLength: 1, description: 'The team (its UUID).' }),
    stateId: Type.Optional(
      Type.String({ minLength: 1, description: "A workflow state of the team (its UUID); the team's default when left out." }),
    ),
    title: Type.String({ minLength: 1, maxLength: 512 }),
    description: Type.Optional(Type.String({ maxLength: 100000, description: 'Markdown.' })),
  }),
  output: Type.Object({ id: Type.String(), identifier: Type.String({ description: 'e.g. ENG-123.' }), url: Type.String() }),
  fields: { teamId: { options: teamOptions }, stateId: { dependsOn: ['teamId'], options: stateOptions } },
  run: async (ctx, input) => {
    const data = await graphql<{ issueCreate: { success: boolean; issue: { id: string; identifier: string; url: string } | null } }>(
      ctx.http,
      ISSUE_CREATE,
      {
        input: {
          teamId: input.teamId,
          title: input.title,
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.stateId !== undefined ? { stateId: input.stateId } : {}),
        },
      },
    )
    const issue = data.issueCreate.issue
    if (!data.issueCreate.success || !issue)
      throw new ActionError({ type: 'provider', code: 'not_created', message: 'Linear answered issueCreate without an issue' })
    return { id: issue.id, identifier: issue.identifier, url: issue.url }
  },
})

// The teams query, from Linear's GraphQL API docs (https://linear.app/developers/graphql , schema:
// Query.teams): the teams the user can access, a Relay connection paged with `first`/`after` and
// `pageInfo { hasNextPage endCursor }` (https://linear.app/developers/pagination ).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { graphql } from './_graphql.js'

export const LIST_TEAMS = `query ListTeams($first: Int!, $after: String) {
  teams(first: $first, after: $after) {
    nodes { id name key description private }
    pageInfo { hasNextPage endCursor }
  }
}`

interface Teams {
  nodes: { id: string; name: string; key: string; description: string | null; private: boolean }[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

export default defineAction({
  key: 'list_teams',
  app: 'linear',
  version: '1.0.0',
  type: 'read',
  title: 'List teams',
  description: 'Lists the teams the user can access, with the IDs that issue actions take.',
  docs: 'https://linear.app/developers/graphql',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['read'],
  input: Type.Object({
    first: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Teams per page.' })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({
    teams: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        key: Type.String({ description: 'The prefix of its issue identifiers, e.g. ENG.' }),
        description: Type.Union([Type.String(), Type.Null()]),
        private: Type.Boolean(),
      }),
    ),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const data = await graphql<{ teams: Teams }>(ctx.http, LIST_TEAMS, { first: input.first ?? 50, after: input.cursor ?? null })
    return {
      teams: data.teams.nodes.map((t) => ({ id: t.id, name: t.name, key: t.key, description: t.description ?? null, private: t.private })),
      next_cursor: data.teams.pageInfo.hasNextPage ? (data.teams.pageInfo.endCursor ?? null) : null,
    }
  },
})

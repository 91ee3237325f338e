// The searchIssues query (full-text search over issues), from Linear's GraphQL API schema
// (https://linear.app/developers/graphql , schema explorer: Query.searchIssues).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { graphql } from './_graphql.js'

export const SEARCH_ISSUES = `query SearchIssues($term: String!, $first: Int!, $after: String) {
  searchIssues(term: $term, first: $first, after: $after) {
    totalCount
    nodes { id identifier title url state { name } }
    pageInfo { hasNextPage endCursor }
  }
}`

interface Found {
  totalCount: number
  nodes: { id: string; identifier: string; title: string; url: string; state: { name: string } | null }[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

export default defineAction({
  key: 'search_issues',
  app: 'linear',
  version: '1.0.0',
  type: 'search',
  title: 'Search issues',
  description: 'Finds issues whose title, description or identifier match the text, best matches first.',
  docs: 'https://linear.app/developers/graphql',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['read'],
  input: Type.Object({
    term: Type.String({ minLength: 1, maxLength: 256 }),
    first: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({
    total_count: Type.Integer(),
    issues: Type.Array(
      Type.Object({
        id: Type.String(),
        identifier: Type.String(),
        title: Type.String(),
        url: Type.String(),
        state: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const data = await graphql<{ searchIssues: Found }>(ctx.http, SEARCH_ISSUES, {
      term: input.term,
      first: input.first ?? 25,
      after: input.cursor ?? null,
    })
    const found = data.searchIssues
    return {
      total_count: found.totalCount,
      issues: found.nodes.map((i) => ({ id: i.id, identifier: i.identifier, title: i.title, url: i.url, state: i.state?.name ?? null })),
      next_cursor: found.pageInfo.hasNextPage ? (found.pageInfo.endCursor ?? null) : null,
    }
  },
})

// Shared by the Linear actions: one GraphQL call and its errors, and the team and workflow-state
// pickers. From Linear's API docs: one endpoint, POST /graphql with `{ query, variables }`
// (https://linear.app/developers/graphql ); errors follow the GraphQL format, an `errors` array whose
// entries carry `extensions` (type, code, userPresentableMessage), on HTTP 200 or, for a request
// Linear refuses whole, HTTP 400; lists are Relay connections paged with `first`/`after` and
// `pageInfo { hasNextPage endCursor }` (https://linear.app/developers/pagination ).
import {
  type ActionErrorType,
  type ActionHttp,
  ActionError,
  ActionHttpError,
  type ActionOption,
  type FieldOptionsContext,
} from '../../../src/define-action.js'

export interface GraphQLError {
  message?: string
  path?: (string | number)[]
  extensions?: { type?: string; code?: string; userError?: boolean; userPresentableMessage?: string }
}

function errorsOf(body: unknown): GraphQLError[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const errors = (body as { errors?: unknown }).errors
  return Array.isArray(errors) && errors.length > 0 ? (errors as GraphQLError[]) : undefined
}

function kindOf(error: GraphQLError): ActionErrorType {
  const ext = error.extensions ?? {}
  const words = `${ext.code ?? ''} ${ext.type ?? ''}`.toLowerCase().replace(/[_\s]+/g, ' ')
  // The code decides before the userError flag: a refused scope or an exhausted limit may be flagged a user error too.
  if (/authentication/.test(words)) return 'auth'
  if (/forbidden/.test(words)) return 'permission'
  if (/ratelimited|rate limited/.test(words)) return 'rate_limited'
  if (/invalid input|bad user input|graphql validation failed|graphql parse failed/.test(words) || ext.userError === true)
    return 'validation'
  if (/^\s*argument validation error/i.test(error.message ?? '')) return 'validation'
  return 'provider'
}

/** The ActionError for a GraphQL `errors` array: the first error decides its type. */
export function graphqlError(errors: GraphQLError[]): ActionError {
  const first = errors[0] ?? {}
  const type = kindOf(first)
  const said = first.extensions?.userPresentableMessage ?? first.message ?? 'unknown error'
  const code = (first.extensions?.code ?? first.extensions?.type ?? 'graphql_error')
    .toString()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
  return new ActionError({
    type,
    code,
    message: `Linear answered: ${said}`.slice(0, 500),
    retryable: type === 'rate_limited',
    ...(type === 'auth' || type === 'permission' ? { attribution: 'connection' as const } : {}),
  })
}

/** POSTs one operation to /graphql and returns its `data`, or throws the errors as an ActionError. */
export async function graphql<T>(http: ActionHttp, query: string, variables: Record<string, unknown>): Promise<T> {
  let body: unknown
  try {
    body = (await http.post<unknown>('/graphql', { query, variables })).data
  } catch (err) {
    // A 400 with GraphQL errors is Linear refusing the operation (bad variables, invalid input): read it.
    const errors = err instanceof ActionHttpError && err.status === 400 ? errorsOf(err.data) : undefined
    if (errors) throw graphqlError(errors)
    throw err
  }
  const errors = errorsOf(body)
  if (errors) throw graphqlError(errors)
  const data = typeof body === 'object' && body !== null ? (body as { data?: T | null }).data : undefined
  if (data === undefined || data === null)
    throw new ActionError({ type: 'provider', code: 'unexpected_response', message: 'Linear answered without data' })
  return data
}

interface Connection<N> {
  nodes: N[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

const PAGE = 50

function next(connection: Connection<unknown>): string | null {
  return connection.pageInfo.hasNextPage && connection.pageInfo.endCursor ? connection.pageInfo.endCursor : null
}

export const TEAMS_QUERY = `query Teams($first: Int!, $after: String) {
  teams(first: $first, after: $after) { nodes { id name key } pageInfo { hasNextPage endCursor } }
}`

export const STATES_QUERY = `query TeamStates($teamId: String!, $first: Int!, $after: String) {
  team(id: $teamId) { states(first: $first, after: $after) { nodes { id name type } pageInfo { hasNextPage endCursor } } }
}`

/** The teams the user can see (`teams`). */
export async function teamOptions(
  ctx: FieldOptionsContext<{ teamId?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const data = await graphql<{ teams: Connection<{ id: string; name: string; key: string }> }>(ctx.http, TEAMS_QUERY, {
    first: PAGE,
    after: ctx.cursor ?? null,
  })
  return { options: data.teams.nodes.map((t) => ({ label: `${t.name} (${t.key})`, value: t.id })), nextCursor: next(data.teams) }
}

/** The workflow states of the chosen team (`team(id).states`). */
export async function stateOptions(
  ctx: FieldOptionsContext<{ teamId?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const data = await graphql<{ team: { states: Connection<{ id: string; name: string; type: string }> } | null }>(ctx.http, STATES_QUERY, {
    teamId: ctx.inputs.teamId,
    first: PAGE,
    after: ctx.cursor ?? null,
  })
  if (!data.team)
    throw new ActionError({
      type: 'not_found',
      code: 'team_not_found',
      message: `Linear has no team ${String(ctx.inputs.teamId)}`,
      attribution: 'user',
    })
  return {
    options: data.team.states.nodes.map((s) => ({ label: `${s.name} (${s.type})`, value: s.id })),
    nextCursor: next(data.team.states),
  }
}

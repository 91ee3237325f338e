// Shared by the Shopify actions: one call to the GraphQL Admin API and its errors, the order picker,
// and the output shapes. From Shopify's GraphQL Admin API reference
// (https://shopify.dev/docs/api/admin-graphql ): one endpoint per API version,
// POST /admin/api/<version>/graphql.json with `{ query, variables }`; the app's base URL already ends
// in /admin. Errors come as HTTP 200 with an `errors` array whose entries carry `extensions.code`
// (THROTTLED, ACCESS_DENIED, SHOP_INACTIVE, INTERNAL_SERVER_ERROR, MAX_COST_EXCEEDED); a mutation's
// refusals come in its own `userErrors` list. Lists are connections paged with `first` (at most 250)
// and `after`, reading `pageInfo { hasNextPage endCursor }`
// (https://shopify.dev/docs/api/usage/pagination-graphql ).
import { type TSchema, Type } from '@sinclair/typebox'
import {
  type ActionErrorType,
  type ActionHttp,
  ActionError,
  type ActionOption,
  type FieldOptionsContext,
} from '../../../src/define-action.js'

/** One documented stable version for every Shopify action (supported for at least 12 months from its release). */
export const API_VERSION = '2026-01'
export const GRAPHQL_PATH = `/api/${API_VERSION}/graphql.json`

/** Connections return at most 250 nodes per page. */
export const MAX_PAGE = 250

export interface GraphQLError {
  message?: string
  extensions?: { code?: string; problems?: unknown; [k: string]: unknown }
}

interface ThrottleStatus {
  maximumAvailable?: number
  currentlyAvailable?: number
  restoreRate?: number
}

function errorKind(error: GraphQLError): { type: ActionErrorType; retryable: boolean } {
  const code = (error.extensions?.code ?? '').toUpperCase()
  if (code === 'THROTTLED') return { type: 'rate_limited', retryable: true }
  if (code === 'ACCESS_DENIED') return { type: 'permission', retryable: false }
  if (code === 'INTERNAL_SERVER_ERROR') return { type: 'provider', retryable: true }
  if (code === 'SHOP_INACTIVE' || code === 'MAX_COST_EXCEEDED') return { type: 'provider', retryable: false }
  // A variable Shopify refused (a malformed global ID, a bad enum value): the caller's input.
  if (error.extensions?.problems !== undefined || /^Variable \$/.test(error.message ?? '')) return { type: 'validation', retryable: false }
  return { type: 'provider', retryable: false }
}

/** The ActionError for a GraphQL `errors` array: the first error decides its type. */
export function graphqlError(errors: GraphQLError[], throttle?: ThrottleStatus): ActionError {
  const first = errors[0] ?? {}
  const { type, retryable } = errorKind(first)
  const code = (first.extensions?.code ?? (type === 'validation' ? 'invalid_variables' : 'graphql_error'))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
  let message = `Shopify answered: ${first.message ?? 'unknown error'}`
  if (type === 'rate_limited' && throttle?.restoreRate)
    message += ` (the query-cost bucket refills at ${throttle.restoreRate} points a second)`
  return new ActionError({
    type,
    code,
    message: message.slice(0, 500),
    retryable,
    ...(type === 'permission' ? { attribution: 'connection' as const } : {}),
  })
}

/** A mutation's `userErrors`: the input Shopify refused, as a validation error naming the fields. */
export function userErrorsError(userErrors: { field?: string[] | null; message: string; code?: string | null }[]): ActionError {
  const said = userErrors.map((e) => (e.field && e.field.length > 0 ? `${e.field.join('.')}: ${e.message}` : e.message)).join('; ')
  return new ActionError({ type: 'validation', code: 'user_errors', message: `Shopify refused the input: ${said}`.slice(0, 500) })
}

/** POSTs one operation to the versioned GraphQL endpoint and returns its `data`, or throws the errors as an ActionError. */
export async function graphql<T>(http: ActionHttp, query: string, variables: Record<string, unknown>): Promise<T> {
  const body = (await http.post<unknown>(GRAPHQL_PATH, { query, variables })).data as {
    data?: T | null
    errors?: unknown
    extensions?: { cost?: { throttleStatus?: ThrottleStatus } }
  }
  if (typeof body !== 'object' || body === null)
    throw new ActionError({ type: 'provider', code: 'unexpected_response', message: 'Shopify answered without a JSON body' })
  if (Array.isArray(body.errors) && body.errors.length > 0)
    throw graphqlError(body.errors as GraphQLError[], body.extensions?.cost?.throttleStatus)
  // A whole-request refusal can also come as a string (e.g. `{"errors":"Not Found"}`).
  if (typeof body.errors === 'string')
    throw new ActionError({ type: 'provider', code: 'graphql_error', message: `Shopify answered: ${body.errors.slice(0, 300)}` })
  if (body.data === undefined || body.data === null)
    throw new ActionError({ type: 'provider', code: 'unexpected_response', message: 'Shopify answered without data' })
  return body.data
}

export interface PageInfo {
  hasNextPage: boolean
  endCursor: string | null
}

export function nextCursor(pageInfo: PageInfo): string | null {
  return pageInfo.hasNextPage && pageInfo.endCursor ? pageInfo.endCursor : null
}

/** A global ID of `type` from either a GID or the numeric ID shown in the Shopify admin. */
export function toGid(type: 'Order' | 'Product', id: string): string {
  return /^[0-9]+$/.test(id) ? `gid://shopify/${type}/${id}` : id
}

export interface MoneyBag {
  shopMoney: { amount: string; currencyCode: string }
}

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])

export const Money = Type.Object({
  amount: Type.String({ description: 'Decimal amount, e.g. "24.99".' }),
  currency_code: Type.String({ description: 'ISO 4217 code of the shop currency.' }),
})

export function money(bag: MoneyBag | null | undefined): { amount: string; currency_code: string } | null {
  return bag ? { amount: bag.shopMoney.amount, currency_code: bag.shopMoney.currencyCode } : null
}

export const SEARCH_SYNTAX = 'https://shopify.dev/docs/api/usage/search-syntax'

export const ORDER_PICKER_QUERY =
  'query OrderPicker($first: Int!, $after: String, $query: String) { orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT, reverse: true) { nodes { id name createdAt } pageInfo { hasNextPage endCursor } } }'

/** Recent orders, newest first; the typed text goes to Shopify's order search. */
export async function orderOptions(
  ctx: FieldOptionsContext<{ order_id?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const data = await graphql<{ orders: { nodes: { id: string; name: string; createdAt: string }[]; pageInfo: PageInfo } }>(
    ctx.http,
    ORDER_PICKER_QUERY,
    { first: 50, after: ctx.cursor ?? null, query: ctx.query ? ctx.query : null },
  )
  return {
    options: data.orders.nodes.map((o) => ({ label: `${o.name} (${o.createdAt.slice(0, 10)})`, value: o.id })),
    nextCursor: nextCursor(data.orders.pageInfo),
  }
}

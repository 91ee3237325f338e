// The `orders` query of the GraphQL Admin API (POST /admin/api/2026-01/graphql.json), paged with
// first/after and pageInfo.endCursor: https://shopify.dev/docs/api/admin-graphql/latest/queries/orders
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { graphql, MAX_PAGE, Money, money, type MoneyBag, nextCursor, Nullable, type PageInfo, SEARCH_SYNTAX } from './_shopify.js'

export const ORDERS_QUERY =
  'query ListOrders($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys, $reverse: Boolean) { orders(first: $first, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) { nodes { id name createdAt processedAt cancelledAt closed displayFinancialStatus displayFulfillmentStatus email totalPriceSet { shopMoney { amount currencyCode } } } pageInfo { hasNextPage endCursor } } }'

interface OrderNode {
  id: string
  name: string
  createdAt: string
  processedAt: string
  cancelledAt: string | null
  closed: boolean
  displayFinancialStatus: string | null
  displayFulfillmentStatus: string
  email: string | null
  totalPriceSet: MoneyBag
}

export const OrderSummary = Type.Object({
  id: Type.String({ description: 'Global ID, e.g. gid://shopify/Order/148977776.' }),
  name: Type.String({ description: 'The order number shown to staff and customers, e.g. #1001.' }),
  created_at: Type.String(),
  processed_at: Type.String(),
  cancelled_at: Nullable(Type.String()),
  closed: Type.Boolean(),
  financial_status: Nullable(Type.String({ description: 'e.g. PAID, PENDING, REFUNDED.' })),
  fulfillment_status: Type.String({ description: 'e.g. FULFILLED, UNFULFILLED, PARTIALLY_FULFILLED.' }),
  email: Nullable(Type.String()),
  total_price: Nullable(Money),
})

export default defineAction({
  key: 'list_orders',
  app: 'shopify',
  version: '1.0.0',
  type: 'read',
  title: 'List orders',
  description:
    "Lists the store's orders, optionally filtered with Shopify's search syntax and sorted. Only the last 60 days unless the app may read all orders.",
  docs: 'https://shopify.dev/docs/api/admin-graphql/latest/queries/orders',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['read_orders'],
  input: Type.Object({
    query: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: `A filter in Shopify's search syntax (${SEARCH_SYNTAX}), e.g. "financial_status:paid created_at:>2025-01-01".`,
      }),
    ),
    sort_key: Type.Optional(
      Type.Union(
        [
          'CREATED_AT',
          'PROCESSED_AT',
          'UPDATED_AT',
          'ORDER_NUMBER',
          'TOTAL_PRICE',
          'CUSTOMER_NAME',
          'FINANCIAL_STATUS',
          'FULFILLMENT_STATUS',
          'ID',
        ].map((k) => Type.Literal(k)),
        { description: 'The order to list in (default ID).' },
      ),
    ),
    reverse: Type.Optional(Type.Boolean({ description: 'Reverse the order, e.g. newest first with CREATED_AT.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 50, description: 'Orders per page (at most 250).' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({ orders: Type.Array(OrderSummary), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
  run: async (ctx, input) => {
    const data = await graphql<{ orders: { nodes: OrderNode[]; pageInfo: PageInfo } }>(ctx.http, ORDERS_QUERY, {
      first: input.limit ?? 50,
      after: input.cursor ?? null,
      query: input.query ?? null,
      ...(input.sort_key !== undefined ? { sortKey: input.sort_key } : {}),
      ...(input.reverse !== undefined ? { reverse: input.reverse } : {}),
    })
    return {
      orders: data.orders.nodes.map((o) => ({
        id: o.id,
        name: o.name,
        created_at: o.createdAt,
        processed_at: o.processedAt,
        cancelled_at: o.cancelledAt,
        closed: o.closed,
        financial_status: o.displayFinancialStatus,
        fulfillment_status: o.displayFulfillmentStatus,
        email: o.email,
        total_price: money(o.totalPriceSet),
      })),
      next_cursor: nextCursor(data.orders.pageInfo),
    }
  },
})

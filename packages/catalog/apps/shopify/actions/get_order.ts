// The `order(id:)` query of the GraphQL Admin API (POST /admin/api/2026-01/graphql.json):
// https://shopify.dev/docs/api/admin-graphql/latest/queries/order
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { graphql, Money, money, type MoneyBag, Nullable, orderOptions, toGid } from './_shopify.js'

const LINE_ITEMS = 100

export const ORDER_QUERY = `query GetOrder($id: ID!) { order(id: $id) { id name createdAt updatedAt processedAt cancelledAt cancelReason closed displayFinancialStatus displayFulfillmentStatus email phone note tags currencyCode subtotalPriceSet { shopMoney { amount currencyCode } } totalTaxSet { shopMoney { amount currencyCode } } totalPriceSet { shopMoney { amount currencyCode } } customer { id displayName } lineItems(first: ${LINE_ITEMS}) { nodes { id title variantTitle sku quantity originalUnitPriceSet { shopMoney { amount currencyCode } } } pageInfo { hasNextPage } } } }`

interface OrderNode {
  id: string
  name: string
  createdAt: string
  updatedAt: string
  processedAt: string
  cancelledAt: string | null
  cancelReason: string | null
  closed: boolean
  displayFinancialStatus: string | null
  displayFulfillmentStatus: string
  email: string | null
  phone: string | null
  note: string | null
  tags: string[]
  currencyCode: string
  subtotalPriceSet: MoneyBag | null
  totalTaxSet: MoneyBag | null
  totalPriceSet: MoneyBag
  customer: { id: string; displayName: string } | null
  lineItems: {
    nodes: {
      id: string
      title: string
      variantTitle: string | null
      sku: string | null
      quantity: number
      originalUnitPriceSet: MoneyBag
    }[]
    pageInfo: { hasNextPage: boolean }
  }
}

export default defineAction({
  key: 'get_order',
  app: 'shopify',
  version: '1.0.0',
  type: 'read',
  title: 'Get an order',
  description: 'Reads one order: its statuses, totals, customer and up to 100 line items.',
  docs: 'https://shopify.dev/docs/api/admin-graphql/latest/queries/order',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['read_orders'],
  input: Type.Object({
    order_id: Type.String({
      pattern: '^(gid://shopify/Order/[0-9]+|[0-9]+)$',
      description: 'The order: its global ID (gid://shopify/Order/…) or the numeric ID from the admin URL.',
    }),
  }),
  output: Type.Object({
    id: Type.String(),
    name: Type.String({ description: 'e.g. #1001.' }),
    created_at: Type.String(),
    updated_at: Type.String(),
    processed_at: Type.String(),
    cancelled_at: Nullable(Type.String()),
    cancel_reason: Nullable(Type.String()),
    closed: Type.Boolean(),
    financial_status: Nullable(Type.String()),
    fulfillment_status: Type.String(),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    note: Nullable(Type.String()),
    tags: Type.Array(Type.String()),
    currency_code: Type.String({ description: 'The shop currency.' }),
    subtotal_price: Nullable(Money),
    total_tax: Nullable(Money),
    total_price: Nullable(Money),
    customer: Nullable(Type.Object({ id: Type.String(), display_name: Type.String() })),
    line_items: Type.Array(
      Type.Object({
        id: Type.String(),
        title: Type.String(),
        variant_title: Nullable(Type.String()),
        sku: Nullable(Type.String()),
        quantity: Type.Integer(),
        unit_price: Nullable(Money),
      }),
    ),
    line_items_truncated: Type.Boolean({ description: 'True when the order has more than 100 line items.' }),
  }),
  fields: { order_id: { searchable: true, options: orderOptions } },
  run: async (ctx, input) => {
    const id = toGid('Order', input.order_id)
    const data = await graphql<{ order: OrderNode | null }>(ctx.http, ORDER_QUERY, { id })
    const o = data.order
    if (!o)
      throw new ActionError({
        type: 'not_found',
        code: 'order_not_found',
        message: `Shopify has no order ${id} in this store`,
        attribution: 'user',
      })
    return {
      id: o.id,
      name: o.name,
      created_at: o.createdAt,
      updated_at: o.updatedAt,
      processed_at: o.processedAt,
      cancelled_at: o.cancelledAt,
      cancel_reason: o.cancelReason,
      closed: o.closed,
      financial_status: o.displayFinancialStatus,
      fulfillment_status: o.displayFulfillmentStatus,
      email: o.email,
      phone: o.phone,
      note: o.note,
      tags: o.tags,
      currency_code: o.currencyCode,
      subtotal_price: money(o.subtotalPriceSet),
      total_tax: money(o.totalTaxSet),
      total_price: money(o.totalPriceSet),
      customer: o.customer ? { id: o.customer.id, display_name: o.customer.displayName } : null,
      line_items: o.lineItems.nodes.map((l) => ({
        id: l.id,
        title: l.title,
        variant_title: l.variantTitle,
        sku: l.sku,
        quantity: l.quantity,
        unit_price: money(l.originalUnitPriceSet),
      })),
      line_items_truncated: o.lineItems.pageInfo.hasNextPage,
    }
  },
})

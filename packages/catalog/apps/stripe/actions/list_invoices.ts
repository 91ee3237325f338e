// GET /v1/invoices, from Stripe's API reference ("List all invoices"):
// https://docs.stripe.com/api/invoices/list
// Newest first; filters customer, status, collection_method; `limit` 1 to 100 (default 10); the next page
// starts after the last invoice's id while `has_more` (https://docs.stripe.com/api/pagination).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { CustomerId, customerOptions, Invoice, type StripeInvoice, type StripeList, toInvoice } from './_stripe.js'

export default defineAction({
  key: 'list_invoices',
  app: 'stripe',
  version: '1.0.0',
  type: 'read',
  title: 'List invoices',
  description:
    "The account's invoices, newest first, optionally of one customer or in one status. Pass next_cursor back as cursor for the next page.",
  docs: 'https://docs.stripe.com/api/invoices/list',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    customer: Type.Optional(CustomerId),
    status: Type.Optional(
      Type.Union(
        ['draft', 'open', 'paid', 'uncollectible', 'void'].map((s) => Type.Literal(s)),
        { description: 'Only invoices in this status.' },
      ),
    ),
    collection_method: Type.Optional(Type.Union([Type.Literal('charge_automatically'), Type.Literal('send_invoice')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
    cursor: Type.Optional(Type.String({ pattern: '^in_[A-Za-z0-9]+$', description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({ invoices: Type.Array(Invoice), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
  fields: { customer: { searchable: true, options: customerOptions } },
  run: async (ctx, input) => {
    const res = await ctx.http.get<StripeList<StripeInvoice>>('/invoices', {
      customer: input.customer,
      status: input.status,
      collection_method: input.collection_method,
      limit: input.limit ?? 10,
      starting_after: input.cursor,
    })
    const last = res.data.data.at(-1)
    return { invoices: res.data.data.map(toInvoice), next_cursor: res.data.has_more && last ? last.id : null }
  },
})

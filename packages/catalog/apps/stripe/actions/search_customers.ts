// GET /v1/customers/search, from Stripe's API reference ("Search customers"):
// https://docs.stripe.com/api/customers/search
// `query` uses Stripe's search query language (https://docs.stripe.com/search#search-query-language), e.g.
// email:"jenny@example.com" or name~"jen" AND metadata["plan"]:"pro"; `limit` is 1 to 100 (default 10);
// pages follow `next_page` (https://docs.stripe.com/api/pagination/search). Newly written data can take
// up to a minute to become searchable, and search is not available to accounts in India.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { Customer, type StripeCustomer, type StripeList, toCustomer } from './_stripe.js'

export default defineAction({
  key: 'search_customers',
  app: 'stripe',
  version: '1.0.0',
  type: 'search',
  title: 'Search customers',
  description:
    'Finds customers with Stripe search syntax, e.g. email:"jenny@example.com" or name~"jen". Pass next_cursor back as cursor for the next page.',
  docs: 'https://docs.stripe.com/api/customers/search',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    query: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'A search query over email, name, phone, created and metadata, e.g. name:"Jane Doe" AND metadata["foo"]:"bar".',
    }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({ customers: Type.Array(Customer), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
  run: async (ctx, input) => {
    const res = await ctx.http.get<StripeList<StripeCustomer>>('/customers/search', {
      query: input.query,
      limit: input.limit ?? 10,
      page: input.cursor,
    })
    return {
      customers: res.data.data.map(toCustomer),
      next_cursor: res.data.has_more && typeof res.data.next_page === 'string' && res.data.next_page !== '' ? res.data.next_page : null,
    }
  },
})

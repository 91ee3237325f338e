// GET /v1/customers/{customer}, from Stripe's API reference ("Retrieve a customer"):
// https://docs.stripe.com/api/customers/retrieve
// A deleted customer answers 200 with only {id, object, deleted: true}; it is reported as not found here.
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { Customer, CustomerId, customerOptions, type StripeCustomer, toCustomer } from './_stripe.js'

export default defineAction({
  key: 'get_customer',
  app: 'stripe',
  version: '1.0.0',
  type: 'read',
  title: 'Get a customer',
  description: 'Reads one customer by id. A deleted customer fails with customer_deleted.',
  docs: 'https://docs.stripe.com/api/customers/retrieve',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({ customer: CustomerId }),
  output: Customer,
  fields: { customer: { searchable: true, options: customerOptions } },
  run: async (ctx, input) => {
    const res = await ctx.http.get<StripeCustomer>(`/customers/${encodeURIComponent(input.customer)}`)
    if (res.data.deleted === true) {
      throw new ActionError({
        type: 'not_found',
        code: 'customer_deleted',
        message: `the customer ${input.customer} was deleted`,
        attribution: 'user',
      })
    }
    return toCustomer(res.data)
  },
})

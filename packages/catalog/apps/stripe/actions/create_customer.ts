// POST /v1/customers, from Stripe's API reference ("Create a customer"):
// https://docs.stripe.com/api/customers/create
// Sent form-encoded with the run's idempotency key (Idempotency-Key header), so a retried run answers the
// first run's customer instead of creating a second one (https://docs.stripe.com/api/idempotent_requests).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { Customer, formField, Metadata, type StripeCustomer, stripePost, toCustomer } from './_stripe.js'

export default defineAction({
  key: 'create_customer',
  app: 'stripe',
  version: '1.0.0',
  type: 'write',
  title: 'Create a customer',
  description: 'Creates a customer in the Stripe account. A retry with the same idempotency key returns the same customer.',
  docs: 'https://docs.stripe.com/api/customers/create',
  annotations: { readOnly: false, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "The customer's full name or business name." })),
    email: Type.Optional(Type.String({ maxLength: 512, pattern: '^[^@\\s]+@[^@\\s]+$' })),
    phone: Type.Optional(Type.String({ maxLength: 20 })),
    description: Type.Optional(Type.String({ maxLength: 5000, description: 'Shown beside the customer in the Dashboard.' })),
    address: Type.Optional(
      Type.Object(
        {
          line1: Type.Optional(Type.String({ maxLength: 5000 })),
          line2: Type.Optional(Type.String({ maxLength: 5000 })),
          city: Type.Optional(Type.String({ maxLength: 5000 })),
          state: Type.Optional(Type.String({ maxLength: 5000, description: 'State, county, province or region.' })),
          postal_code: Type.Optional(Type.String({ maxLength: 5000 })),
          country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'Two-letter ISO 3166-1 alpha-2 code, e.g. US.' })),
        },
        { additionalProperties: false },
      ),
    ),
    metadata: Type.Optional(Metadata),
  }),
  output: Customer,
  run: async (ctx, input) => {
    const form: Record<string, string> = {}
    formField(form, 'name', input.name)
    formField(form, 'email', input.email)
    formField(form, 'phone', input.phone)
    formField(form, 'description', input.description)
    formField(form, 'address', input.address)
    formField(form, 'metadata', input.metadata)
    return toCustomer(await stripePost<StripeCustomer>(ctx, '/customers', form))
  },
})

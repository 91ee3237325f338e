// POST /v1/invoices, from Stripe's API reference ("Create an invoice"):
// https://docs.stripe.com/api/invoices/create
// Creates a draft invoice for a customer; it stays a draft until finalized. `days_until_due` is valid only
// with collection_method=send_invoice. Sent form-encoded with the run's idempotency key (Idempotency-Key
// header, https://docs.stripe.com/api/idempotent_requests), so a retried run creates one invoice.
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { CustomerId, customerOptions, formField, Invoice, Metadata, type StripeInvoice, stripePost, toInvoice } from './_stripe.js'

export default defineAction({
  key: 'create_invoice',
  app: 'stripe',
  version: '1.0.0',
  type: 'write',
  title: 'Create an invoice',
  description:
    'Creates a draft invoice for a customer (charged automatically, or emailed with days_until_due to pay). A retry with the same idempotency key returns the same invoice.',
  docs: 'https://docs.stripe.com/api/invoices/create',
  annotations: { readOnly: false, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    customer: CustomerId,
    collection_method: Type.Optional(
      Type.Union([Type.Literal('charge_automatically'), Type.Literal('send_invoice')], {
        description: "charge_automatically (the default) charges the customer's default payment method; send_invoice emails the invoice.",
      }),
    ),
    days_until_due: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Days from creation until due; only with collection_method send_invoice.' }),
    ),
    description: Type.Optional(Type.String({ maxLength: 1500, description: "The invoice's memo." })),
    auto_advance: Type.Optional(
      Type.Boolean({ description: 'Let Stripe finalize and collect the invoice automatically (default false).' }),
    ),
    metadata: Type.Optional(Metadata),
  }),
  output: Invoice,
  fields: { customer: { searchable: true, options: customerOptions } },
  run: async (ctx, input) => {
    if (input.days_until_due !== undefined && input.collection_method !== 'send_invoice') {
      throw new ActionError({
        type: 'validation',
        code: 'days_until_due_needs_send_invoice',
        message: 'days_until_due applies only to invoices with collection_method send_invoice',
      })
    }
    const form: Record<string, string> = { customer: input.customer }
    formField(form, 'collection_method', input.collection_method)
    formField(form, 'days_until_due', input.days_until_due)
    formField(form, 'description', input.description)
    formField(form, 'auto_advance', input.auto_advance)
    formField(form, 'metadata', input.metadata)
    return toInvoice(await stripePost<StripeInvoice>(ctx, '/invoices', form))
  },
})

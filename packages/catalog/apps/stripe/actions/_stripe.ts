// Shared by the Stripe actions. From Stripe's API reference (https://docs.stripe.com/api):
// - bodies are form-encoded, nested objects as bracketed keys, e.g. metadata[order_id]=6735
//   (https://docs.stripe.com/api/metadata: up to 50 keys, names up to 40 characters, values up to 500);
// - POSTs take an Idempotency-Key header (up to 255 characters); reusing a key with other parameters is an
//   `idempotency_error` (https://docs.stripe.com/api/idempotent_requests);
// - errors are {error: {type, code, message, param}} (https://docs.stripe.com/api/errors);
// - lists page with `limit` (1 to 100) and `starting_after` (the last object's id) while `has_more`
//   (https://docs.stripe.com/api/pagination); searches page with `page` and `next_page`
//   (https://docs.stripe.com/api/pagination/search).
import { Type } from '@sinclair/typebox'
import {
  type ActionContext,
  ActionError,
  ActionHttpError,
  type ActionOption,
  type FieldOptionsContext,
} from '../../../src/define-action.js'

export const Metadata = Type.Record(Type.String({ minLength: 1, maxLength: 40 }), Type.String({ maxLength: 500 }), {
  maxProperties: 50,
  description: 'Key-value pairs kept on the object (up to 50 keys; names up to 40 characters, values up to 500).',
})

export const CustomerId = Type.String({
  pattern: '^cus_[A-Za-z0-9]+$',
  maxLength: 255,
  description: 'A customer id, e.g. cus_NffrFeUfNV2Hib.',
})

/** The fields of a Stripe customer the actions return. */
export const Customer = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  currency: Type.Union([Type.String(), Type.Null()]),
  balance: Type.Integer({ description: 'In the smallest currency unit; negative is a credit.' }),
  delinquent: Type.Union([Type.Boolean(), Type.Null()]),
  created: Type.Integer({ description: 'Unix time, seconds.' }),
  livemode: Type.Boolean(),
  metadata: Type.Record(Type.String(), Type.String()),
})

export interface StripeCustomer {
  id: string
  name?: string | null
  email?: string | null
  phone?: string | null
  description?: string | null
  currency?: string | null
  balance?: number
  delinquent?: boolean | null
  created?: number
  livemode?: boolean
  metadata?: Record<string, string>
  deleted?: boolean
}

export function toCustomer(c: StripeCustomer) {
  return {
    id: c.id,
    name: c.name ?? null,
    email: c.email ?? null,
    phone: c.phone ?? null,
    description: c.description ?? null,
    currency: c.currency ?? null,
    balance: c.balance ?? 0,
    delinquent: c.delinquent ?? null,
    created: c.created ?? 0,
    livemode: c.livemode ?? false,
    metadata: c.metadata ?? {},
  }
}

/** The fields of a Stripe invoice the actions return. */
export const Invoice = Type.Object({
  id: Type.String(),
  number: Type.Union([Type.String(), Type.Null()], { description: 'Set when the invoice is finalized.' }),
  customer: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.String(), Type.Null()], { description: 'draft, open, paid, uncollectible or void.' }),
  collection_method: Type.String(),
  currency: Type.String(),
  amount_due: Type.Integer({ description: 'In the smallest currency unit.' }),
  amount_paid: Type.Integer(),
  amount_remaining: Type.Integer(),
  total: Type.Integer(),
  description: Type.Union([Type.String(), Type.Null()]),
  due_date: Type.Union([Type.Integer(), Type.Null()], { description: 'Unix time, seconds.' }),
  created: Type.Integer({ description: 'Unix time, seconds.' }),
  hosted_invoice_url: Type.Union([Type.String(), Type.Null()]),
  invoice_pdf: Type.Union([Type.String(), Type.Null()]),
  livemode: Type.Boolean(),
  metadata: Type.Record(Type.String(), Type.String()),
})

export interface StripeInvoice {
  id: string
  number?: string | null
  customer?: string | { id: string } | null
  status?: string | null
  collection_method?: string
  currency?: string
  amount_due?: number
  amount_paid?: number
  amount_remaining?: number
  total?: number
  description?: string | null
  due_date?: number | null
  created?: number
  hosted_invoice_url?: string | null
  invoice_pdf?: string | null
  livemode?: boolean
  metadata?: Record<string, string> | null
}

export function toInvoice(i: StripeInvoice) {
  return {
    id: i.id,
    number: i.number ?? null,
    customer: typeof i.customer === 'string' ? i.customer : (i.customer?.id ?? null),
    status: i.status ?? null,
    collection_method: i.collection_method ?? 'charge_automatically',
    currency: i.currency ?? '',
    amount_due: i.amount_due ?? 0,
    amount_paid: i.amount_paid ?? 0,
    amount_remaining: i.amount_remaining ?? 0,
    total: i.total ?? 0,
    description: i.description ?? null,
    due_date: i.due_date ?? null,
    created: i.created ?? 0,
    hosted_invoice_url: i.hosted_invoice_url ?? null,
    invoice_pdf: i.invoice_pdf ?? null,
    livemode: i.livemode ?? false,
    metadata: i.metadata ?? {},
  }
}

export interface StripeList<T> {
  object: 'list' | 'search_result'
  data: T[]
  has_more: boolean
  next_page?: string | null
}

/** Adds `value` under `name` unless it is undefined; objects become bracketed keys (metadata[key]). */
export function formField(form: Record<string, string>, name: string, value: unknown): void {
  if (value === undefined) return
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) formField(form, `${name}[${key}]`, inner)
    return
  }
  form[name] = String(value)
}

/**
 * A POST with the run's idempotency key, so that a retried run creates the object once. A key reused
 * with other parameters (a caller's key sent again with a changed input) is a clear validation error.
 */
export async function stripePost<T>(
  ctx: Pick<ActionContext, 'http' | 'idempotencyKey'>,
  path: string,
  form: Record<string, string>,
): Promise<T> {
  try {
    const res = await ctx.http.request<T>({ method: 'POST', path, form, headers: { 'Idempotency-Key': ctx.idempotencyKey } })
    return res.data
  } catch (err) {
    const error = err instanceof ActionHttpError ? (err.data as { error?: { type?: unknown; message?: unknown } } | null)?.error : undefined
    if (error?.type === 'idempotency_error') {
      throw new ActionError({
        type: 'validation',
        code: 'idempotency_key_reused',
        message: `Stripe refused the idempotency key: it was used before with other parameters${typeof error.message === 'string' ? ` (${error.message.slice(0, 300)})` : ''}`,
      })
    }
    throw err
  }
}

/** Quotes a value for Stripe's search query language (double quotes, backslash escapes). */
export function searchString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

const PAGE = 100

/**
 * The customer picker: the newest customers (GET /v1/customers, paged by starting_after), or, once three
 * characters are typed, the customers whose name or email contains them (GET /v1/customers/search; a
 * substring match needs at least three characters).
 */
export async function customerOptions(
  ctx: FieldOptionsContext<{ customer?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const q = ctx.query?.trim() ?? ''
  const label = (c: StripeCustomer) => {
    const who = [c.name, c.email].filter((v): v is string => typeof v === 'string' && v !== '').join(' · ')
    return who === '' ? c.id : `${who} (${c.id})`
  }
  if (q.length >= 3) {
    const res = await ctx.http.get<StripeList<StripeCustomer>>('/customers/search', {
      query: `name~${searchString(q)} OR email~${searchString(q)}`,
      limit: PAGE,
      page: ctx.cursor,
    })
    return {
      options: res.data.data.map((c) => ({ label: label(c), value: c.id })),
      nextCursor: res.data.has_more && res.data.next_page ? res.data.next_page : null,
    }
  }
  const res = await ctx.http.get<StripeList<StripeCustomer>>('/customers', { limit: PAGE, starting_after: ctx.cursor })
  const last = res.data.data.at(-1)
  return {
    options: res.data.data.map((c) => ({ label: label(c), value: c.id })),
    nextCursor: res.data.has_more && last ? last.id : null,
  }
}

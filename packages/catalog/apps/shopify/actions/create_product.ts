// The `productCreate` mutation of the GraphQL Admin API (POST /admin/api/2026-01/graphql.json), with
// its ProductCreateInput; refusals come as `userErrors`:
// https://shopify.dev/docs/api/admin-graphql/latest/mutations/productCreate
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { graphql, userErrorsError } from './_shopify.js'

export const PRODUCT_CREATE =
  'mutation CreateProduct($product: ProductCreateInput!) { productCreate(product: $product) { product { id title handle status vendor productType tags createdAt } userErrors { field message } } }'

interface Payload {
  productCreate: {
    product: {
      id: string
      title: string
      handle: string
      status: string
      vendor: string
      productType: string
      tags: string[]
      createdAt: string
    } | null
    userErrors: { field: string[] | null; message: string }[]
  }
}

export default defineAction({
  key: 'create_product',
  app: 'shopify',
  version: '1.0.0',
  type: 'write',
  title: 'Create a product',
  description: 'Creates a product with its default variant. Variants, prices and media are managed with other mutations.',
  docs: 'https://shopify.dev/docs/api/admin-graphql/latest/mutations/productCreate',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['write_products'],
  input: Type.Object({
    title: Type.String({ minLength: 1, maxLength: 255, description: 'The product name shown to customers.' }),
    description_html: Type.Optional(Type.String({ description: 'The description, in HTML.' })),
    vendor: Type.Optional(Type.String({ maxLength: 255 })),
    product_type: Type.Optional(Type.String({ maxLength: 255, description: 'A custom category, e.g. "Snowboards".' })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 250 })),
    handle: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'The URL handle; Shopify derives one from the title when left out.' }),
    ),
    status: Type.Optional(
      Type.Union([Type.Literal('ACTIVE'), Type.Literal('DRAFT'), Type.Literal('ARCHIVED')], {
        description: 'ACTIVE (the default), DRAFT or ARCHIVED.',
      }),
    ),
  }),
  output: Type.Object({
    id: Type.String({ description: 'Global ID, e.g. gid://shopify/Product/1072481062.' }),
    title: Type.String(),
    handle: Type.String(),
    status: Type.String(),
    vendor: Type.String(),
    product_type: Type.String(),
    tags: Type.Array(Type.String()),
    created_at: Type.String(),
  }),
  run: async (ctx, input) => {
    const data = await graphql<Payload>(ctx.http, PRODUCT_CREATE, {
      product: {
        title: input.title,
        ...(input.description_html !== undefined ? { descriptionHtml: input.description_html } : {}),
        ...(input.vendor !== undefined ? { vendor: input.vendor } : {}),
        ...(input.product_type !== undefined ? { productType: input.product_type } : {}),
        ...(input.tags !== undefined ? { tags: input.tags } : {}),
        ...(input.handle !== undefined ? { handle: input.handle } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
      },
    })
    const { product, userErrors } = data.productCreate
    if (userErrors.length > 0) throw userErrorsError(userErrors)
    if (!product)
      throw new ActionError({ type: 'provider', code: 'not_created', message: 'Shopify answered productCreate without a product' })
    return {
      id: product.id,
      title: product.title,
      handle: product.handle,
      status: product.status,
      vendor: product.vendor,
      product_type: product.productType,
      tags: product.tags,
      created_at: product.createdAt,
    }
  },
})

// The `products` query of the GraphQL Admin API (POST /admin/api/2026-01/graphql.json), paged with
// first/after and pageInfo.endCursor: https://shopify.dev/docs/api/admin-graphql/latest/queries/products
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { graphql, MAX_PAGE, nextCursor, Nullable, type PageInfo, SEARCH_SYNTAX } from './_shopify.js'

export const PRODUCTS_QUERY =
  'query ListProducts($first: Int!, $after: String, $query: String, $sortKey: ProductSortKeys, $reverse: Boolean) { products(first: $first, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) { nodes { id title handle status vendor productType tags totalInventory createdAt updatedAt } pageInfo { hasNextPage endCursor } } }'

interface ProductNode {
  id: string
  title: string
  handle: string
  status: string
  vendor: string
  productType: string
  tags: string[]
  totalInventory: number | null
  createdAt: string
  updatedAt: string
}

export default defineAction({
  key: 'list_products',
  app: 'shopify',
  version: '1.0.0',
  type: 'read',
  title: 'List products',
  description: "Lists the store's products, optionally filtered with Shopify's search syntax and sorted.",
  docs: 'https://shopify.dev/docs/api/admin-graphql/latest/queries/products',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['read_products'],
  input: Type.Object({
    query: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: `A filter in Shopify's search syntax (${SEARCH_SYNTAX}), e.g. "status:active vendor:Acme".`,
      }),
    ),
    sort_key: Type.Optional(
      Type.Union(
        ['TITLE', 'CREATED_AT', 'UPDATED_AT', 'PUBLISHED_AT', 'PRODUCT_TYPE', 'VENDOR', 'INVENTORY_TOTAL', 'ID'].map((k) =>
          Type.Literal(k),
        ),
        { description: 'The order to list in (default ID).' },
      ),
    ),
    reverse: Type.Optional(Type.Boolean({ description: 'Reverse the order.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 50, description: 'Products per page (at most 250).' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({
    products: Type.Array(
      Type.Object({
        id: Type.String({ description: 'Global ID, e.g. gid://shopify/Product/108828309.' }),
        title: Type.String(),
        handle: Type.String({ description: 'The URL handle, unique in the store.' }),
        status: Type.String({ description: 'ACTIVE, DRAFT, ARCHIVED…' }),
        vendor: Type.String(),
        product_type: Type.String(),
        tags: Type.Array(Type.String()),
        total_inventory: Nullable(Type.Integer()),
        created_at: Type.String(),
        updated_at: Type.String(),
      }),
    ),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const data = await graphql<{ products: { nodes: ProductNode[]; pageInfo: PageInfo } }>(ctx.http, PRODUCTS_QUERY, {
      first: input.limit ?? 50,
      after: input.cursor ?? null,
      query: input.query ?? null,
      ...(input.sort_key !== undefined ? { sortKey: input.sort_key } : {}),
      ...(input.reverse !== undefined ? { reverse: input.reverse } : {}),
    })
    return {
      products: data.products.nodes.map((p) => ({
        id: p.id,
        title: p.title,
        handle: p.handle,
        status: p.status,
        vendor: p.vendor,
        product_type: p.productType,
        tags: p.tags,
        total_inventory: p.totalInventory ?? null,
        created_at: p.createdAt,
        updated_at: p.updatedAt,
      })),
      next_cursor: nextCursor(data.products.pageInfo),
    }
  },
})

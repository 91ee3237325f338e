import { type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox'

/**
 * A reference to a schema registered once by its `$id` (Fastify's `addSchema`), typed as the schema
 * itself: validation and serialization resolve it by id, and the OpenAPI document lists it once under
 * `components.schemas` instead of copying it into every operation. `options` go beside the `$ref`
 * (a response's `description`).
 */
export function ref<T extends TSchema>(schema: T, options: { description?: string } = {}): TUnsafe<Static<T>> {
  if (typeof schema.$id !== 'string' || schema.$id === '') throw new TypeError('ref(schema): the schema has no $id')
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id, options))
}

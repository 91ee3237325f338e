// Route schemas compiled on first use instead of at start (issue 15, docs/operations.md "Sizing"):
// Fastify compiles every route's validators (ajv) and response serializers (fast-json-stringify) while
// it starts, which was most of the CPU before the first /healthz. Each compiler here returns a stand-in
// that compiles the real function the first time a request needs it; compileAll() compiles whatever
// is left (the schemas test does, so a schema that cannot compile still fails a test, not a request).
// The factories themselves run on the first compile too: each builds an ajv instance and adds the
// shared schemas to it, which compiles JSON Schema's meta-schema to check them (about 90 ms at start).
import type AjvCompiler from '@fastify/ajv-compiler'
import type SerializerSelector from '@fastify/fast-json-stringify-compiler'

type ValidatorFactory = (externalSchemas: unknown, options?: unknown) => (route: AjvCompiler.RouteDefinition) => ValidatorFn
type SerializerFactory = (externalSchemas: unknown, options?: unknown) => (route: SerializerSelector.RouteDefinition) => Serializer
type ValidatorFn = ((...args: unknown[]) => unknown) & { errors?: unknown; schemaEnv?: unknown }
type Serializer = (doc: unknown) => string

export interface LazyCompilers {
  buildValidator: ValidatorFactory
  buildSerializer: SerializerFactory
  /** Compiles every schema not compiled yet (by a request); throws on the first that does not compile, naming its route. */
  compileAll(): void
}

export function lazyCompilers(buildValidator: ValidatorFactory, buildSerializer: SerializerFactory): LazyCompilers {
  const pending = new Set<() => unknown>()
  return {
    buildValidator: (externalSchemas, options) => {
      const compile = factoryOnFirstUse(() => buildValidator(externalSchemas, options))
      return (route) => {
        const real = once(pending, () => compile()(route), describe(route.method, route.url, route.httpPart))
        const lazy = ((...args: unknown[]) => real()(...args)) as ValidatorFn
        // Fastify reads `errors` after a failed call and, for an ajv validator, `schemaEnv` before calling
        // (to pass the parent of a root value ajv may coerce): both are the real function's.
        Object.defineProperty(lazy, 'errors', { get: () => real().errors })
        Object.defineProperty(lazy, 'schemaEnv', { get: () => real().schemaEnv })
        return lazy
      }
    },
    buildSerializer: (externalSchemas, options) => {
      const compile = factoryOnFirstUse(() => buildSerializer(externalSchemas, options))
      return (route) => {
        const real = once(pending, () => compile()(route), describe(route.method, route.url, `response ${route.httpStatus}`))
        return (doc) => real()(doc)
      }
    },
    compileAll: () => {
      for (const compile of [...pending]) compile()
    },
  }
}

/** What `build` returns, built on the first call. */
function factoryOnFirstUse<T>(build: () => T): () => T {
  let built: T | undefined
  return () => (built ??= build())
}

function describe(method: string, url: string, part: string): string {
  return `${method} ${url} (${part})`
}

/** `compile` run on the first call only; until then it waits in `pending`. A failure names the route. */
function once<T>(pending: Set<() => unknown>, compile: () => T, what: string): () => T {
  let compiled: T | undefined
  const get = (): T => {
    if (compiled === undefined) {
      try {
        compiled = compile()
      } catch (err) {
        throw new Error(`the schema of ${what} does not compile: ${(err as Error).message}`, { cause: err })
      }
      pending.delete(get)
    }
    return compiled
  }
  pending.add(get)
  return get
}

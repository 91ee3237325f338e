import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/**
 * The path of the first string holding U+0000 in `value` (a parsed query, form or JSON body), or
 * undefined. PostgreSQL text and jsonb cannot store that character, and nothing Patchbay accepts
 * needs it, so a request carrying one is refused on both databases alike (docs/errors.md).
 */
export function nulPath(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined
  // Parsed bodies are bounded by bodyLimit; the depth bound keeps a pathological one cheap anyway.
  if (typeof value !== 'object' || value === null || depth > 32) return undefined
  // Runs on every request: no allocation per key, the path is only built for the one found.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    if (key.includes('\u0000')) return `${path}/${key.replaceAll('\u0000', '\\u0000')}`
    const item = (value as Record<string, unknown>)[key]
    if (typeof item !== 'string' && (typeof item !== 'object' || item === null)) continue
    const found = nulPath(item, '', depth + 1)
    if (found !== undefined) return `${path}/${key}${found}`
  }
  return undefined
}

/** What Fastify's schema validation throws, so every error handler answers it as a validation error. */
class NulByteError extends Error {
  readonly statusCode = 400
  readonly validation: Array<{ instancePath: string; message: string }>
  constructor(
    readonly validationContext: 'params' | 'querystring' | 'body',
    instancePath: string,
  ) {
    super(`${validationContext}${instancePath.replaceAll('/', '.')} must not contain NUL (U+0000) characters`)
    this.validation = [{ instancePath, message: 'must not contain NUL (U+0000) characters' }]
  }
}

/**
 * preValidation hook: refuses a request with U+0000 in any string of its path parameters, query or
 * body, before any route sees it. Answered as a validation error: `PB_ERR_VALIDATION` on the REST
 * API, `invalid_request` on the token endpoint, the error page in the Connect UI.
 */
export function refuseNulBytes(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  // A callback hook, not an async one: it runs on every request, and a promise per request shows in the token benchmark.
  let path = nulPath(req.params)
  if (path !== undefined) return done(new NulByteError('params', path))
  path = nulPath(req.query)
  if (path !== undefined) return done(new NulByteError('querystring', path))
  path = nulPath(req.body)
  if (path !== undefined) return done(new NulByteError('body', path))
  done()
}

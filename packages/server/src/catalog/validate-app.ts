import type { TSchema } from '@sinclair/typebox'
import { Value, ValueErrorType } from '@sinclair/typebox/value'
import {
  ApiKeySchema,
  type App,
  AppSchema,
  type AuthOption,
  BasicSchema,
  NoAuthSchema,
  OAuth1Schema,
  OAuth2ClientCredentialsSchema,
  OAuth2Schema,
} from './app-schema.js'
import { checkSemantics, type ValidateAppOptions } from './app-rules.js'
import { CatalogError, type CatalogIssue } from './catalog-error.js'

export type { ValidateAppOptions }

const optionSchemas: Record<AuthOption['type'], TSchema> = {
  oauth2: OAuth2Schema,
  oauth2_client_credentials: OAuth2ClientCredentialsSchema,
  oauth1: OAuth1Schema,
  api_key: ApiKeySchema,
  basic: BasicSchema,
  none: NoAuthSchema,
}

/** Rewrites every `http://` string to `https://` for validation, returning where, so it can be put back. */
function upgradeHttp(node: unknown, found: Array<[Record<string, unknown>, string]> = []): Array<[Record<string, unknown>, string]> {
  if (Array.isArray(node) || isRecord(node)) {
    const holder = node as Record<string, unknown>
    for (const key of Object.keys(holder)) {
      const v = holder[key]
      if (typeof v === 'string' && v.startsWith('http://')) {
        holder[key] = `https://${v.slice(7)}`
        found.push([holder, key])
      } else upgradeHttp(v, found)
    }
  }
  return found
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Validates one app entry (parsed YAML or a config object) and returns it with defaults applied.
 * The input is not modified. Throws a {@link CatalogError} listing every problem found.
 */
export function validateApp(raw: unknown, source: string, options: ValidateAppOptions = {}): App {
  const issues: CatalogIssue[] = []
  const add = (path: string, message: string) => issues.push({ source, path, message })
  if (!isRecord(raw)) throw new CatalogError([{ source, path: '', message: 'an app entry must be a mapping' }])

  const value = Value.Clone(raw) as Record<string, unknown>
  Value.Default(AppSchema, value)
  // Union members get their defaults by their own `type`, so an invalid option still gets precise errors.
  const auth = Array.isArray(value.auth) ? value.auth : []
  auth.forEach((option: unknown, index) => {
    if (!isRecord(option)) return
    const schema = typeof option.type === 'string' ? optionSchemas[option.type as AuthOption['type']] : undefined
    if (schema) auth[index] = Value.Default(schema, option)
  })
  // After the defaults, which may replace option objects: the http URLs are put back where they end up.
  const plainHttp = options.allowPlainHttp ? upgradeHttp(value) : []

  for (const error of schemaErrors(AppSchema, value)) {
    if (/^\/auth\/\d+(\/|$)/.test(error.path)) continue // reported per option below
    add(error.path, error.message)
  }
  for (const [index, option] of auth.entries()) {
    const base = `/auth/${index}`
    if (!isRecord(option)) {
      add(base, 'an auth option must be a mapping')
      continue
    }
    const schema = typeof option.type === 'string' ? optionSchemas[option.type as AuthOption['type']] : undefined
    if (!schema) {
      add(`${base}/type`, `must be one of ${Object.keys(optionSchemas).join(', ')}`)
      continue
    }
    for (const error of schemaErrors(schema, option)) add(`${base}${error.path}`, error.message)
  }
  if (issues.length > 0) throw new CatalogError(dedupe(issues))

  const app = value as unknown as App
  checkSemantics(app, add, options)
  if (issues.length > 0) throw new CatalogError(issues)
  for (const [holder, key] of plainHttp) holder[key] = (holder[key] as string).replace(/^https:/, 'http:')
  return app
}

/** TypeBox errors, one per path: a missing property reads "is required" rather than also "Expected string". */
function schemaErrors(schema: TSchema, value: unknown): Array<{ path: string; message: string }> {
  const errors: Array<{ path: string; message: string }> = []
  const missing = new Set<string>()
  for (const error of Value.Errors(schema, value)) {
    if (error.type === ValueErrorType.ObjectRequiredProperty) {
      missing.add(error.path)
      errors.push({ path: error.path, message: 'is required' })
    } else if (!missing.has(error.path)) {
      errors.push({ path: error.path, message: error.message })
    }
  }
  return errors
}

function dedupe(issues: CatalogIssue[]): CatalogIssue[] {
  const seen = new Set<string>()
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

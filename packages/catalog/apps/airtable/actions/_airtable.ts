// Shared by the Airtable actions, from the Web API reference (https://airtable.com/developers/web/api/ ):
// - List bases, GET /meta/bases: {bases: [{id, name, permissionLevel}], offset?}, 1000 a page, `offset` for the next
//   (https://airtable.com/developers/web/api/list-bases );
// - Get base schema, GET /meta/bases/{baseId}/tables: {tables: [{id, name, primaryFieldId, fields, views}]}
//   (https://airtable.com/developers/web/api/get-base-schema );
// - field types and the cell values they take (https://airtable.com/developers/web/api/field-model );
// - errors are {error: {type, message}} (or {error: "NOT_FOUND"}) with the HTTP status
//   (https://airtable.com/developers/web/api/errors ).
import { Type } from '@sinclair/typebox'
import {
  ActionError,
  ActionHttpError,
  type ActionOption,
  type DynamicSchema,
  type FieldOptionsContext,
} from '../../../src/define-action.js'

export const BaseId = Type.String({ pattern: '^app[A-Za-z0-9]{14}$', description: 'The base ID, e.g. appLkNDICXNqxSDhG.' })
export const TableIdOrName = Type.String({
  minLength: 1,
  maxLength: 255,
  description: 'The table ID (tbl…, recommended: it survives renames) or the table name.',
})
export const RecordId = Type.String({ pattern: '^rec[A-Za-z0-9]{14}$', description: 'The record ID, e.g. recwPQIfs4wKPyc9D.' })
export const CellValues = (description: string) =>
  Type.Record(Type.String({ minLength: 1 }), Type.Unknown(), { description, minProperties: 1 })

/**
 * Calls Airtable; its 429 carries no Retry-After, and its docs say to wait 30 seconds before trying
 * again (https://airtable.com/developers/web/api/rate-limits ): the run error says so.
 */
export async function airtable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (err instanceof ActionHttpError && err.status === 429) {
      throw new ActionError({
        type: 'rate_limited',
        code: 'provider_rate_limited',
        message: 'Airtable rate limit reached (5 requests a second per base): try again in 30 seconds',
        retryable: true,
        providerStatus: 429,
        retryAfterSeconds: 30,
      })
    }
    throw err
  }
}

/** The table part of a record path. */
export function tablePath(base: string, table: string): string {
  return `/${encodeURIComponent(base)}/${encodeURIComponent(table)}`
}

export interface AirtableRecord {
  id: string
  createdTime: string
  fields: Record<string, unknown>
}

export const RecordOutput = Type.Object({
  id: Type.String(),
  created_time: Type.String({ description: 'ISO 8601.' }),
  fields: Type.Record(Type.String(), Type.Unknown(), { description: 'Cell values by field name; empty cells are left out.' }),
})

export function toRecord(r: AirtableRecord): { id: string; created_time: string; fields: Record<string, unknown> } {
  return { id: r.id, created_time: r.createdTime, fields: r.fields ?? {} }
}

/** The base picker: List bases, paged by `offset`, filtered by the typed text. */
export async function baseOptions(
  ctx: FieldOptionsContext<{ base?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const res = await ctx.http.get<{ bases: { id: string; name: string; permissionLevel: string }[]; offset?: string }>(
    '/meta/bases',
    ctx.cursor ? { offset: ctx.cursor } : undefined,
  )
  const q = ctx.query?.trim().toLowerCase()
  const options = res.data.bases
    .filter((b) => b.permissionLevel !== 'none')
    .filter((b) => !q || b.name.toLowerCase().includes(q))
    .map((b) => ({ label: b.name, value: b.id }))
  return { options, nextCursor: res.data.offset ?? null }
}

export interface AirtableField {
  id: string
  name: string
  type: string
  description?: string
  options?: {
    choices?: { id: string; name: string }[]
    max?: number
    precision?: number
    linkedTableId?: string
    prefersSingleRecordLink?: boolean
  }
}

interface AirtableTable {
  id: string
  name: string
  primaryFieldId: string
  fields: AirtableField[]
  views?: { id: string; name: string; type: string }[]
}

async function tables(ctx: FieldOptionsContext<{ base?: string }>): Promise<AirtableTable[]> {
  const res = await ctx.http.get<{ tables: AirtableTable[] }>(`/meta/bases/${encodeURIComponent(ctx.inputs.base ?? '')}/tables`)
  return res.data.tables
}

/** The table picker: the base's tables (one answer, no paging). */
export async function tableOptions(
  ctx: FieldOptionsContext<{ base?: string; table?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: null }> {
  const q = ctx.query?.trim().toLowerCase()
  const options = (await tables(ctx)).filter((t) => !q || t.name.toLowerCase().includes(q)).map((t) => ({ label: t.name, value: t.id }))
  return { options, nextCursor: null }
}

/** The view picker: the chosen table's views. */
export async function viewOptions(
  ctx: FieldOptionsContext<{ base?: string; table?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: null }> {
  const table = (await tables(ctx)).find((t) => t.id === ctx.inputs.table || t.name === ctx.inputs.table)
  return { options: (table?.views ?? []).map((v) => ({ label: v.name, value: v.id })), nextCursor: null }
}

// Field types whose values Airtable computes: they cannot be written (field model, "read only" cell formats).
const COMPUTED = new Set([
  'aiText',
  'autoNumber',
  'button',
  'count',
  'createdBy',
  'createdTime',
  'externalSyncSource',
  'formula',
  'lastModifiedBy',
  'lastModifiedTime',
  'lookup',
  'multipleLookupValues',
  'rollup',
])

const RECORD_ID = '^rec[A-Za-z0-9]{14}$'
const COLLABORATOR = {
  type: 'object',
  description: 'A collaborator by user ID or email.',
  properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' } },
}

/** The JSON schema of the value a field takes on create or update (the field model's write formats). */
export function cellSchema(field: AirtableField): Record<string, unknown> | undefined {
  if (COMPUTED.has(field.type)) return undefined
  const base = { title: field.name, description: `${field.type}${field.description ? `: ${field.description}` : ''}` }
  const choices = (field.options?.choices ?? []).map((c) => c.name)
  switch (field.type) {
    case 'singleLineText':
    case 'multilineText':
    case 'richText':
    case 'phoneNumber':
      return { ...base, type: 'string' }
    case 'email':
      return { ...base, type: 'string', format: 'email' }
    case 'url':
      return { ...base, type: 'string' }
    case 'number':
    case 'currency':
      return { ...base, type: 'number' }
    case 'percent':
      return { ...base, type: 'number', description: `${base.description} (a decimal: 0.5 is 50%)` }
    case 'duration':
      return { ...base, type: 'number', description: `${base.description} (seconds)` }
    case 'rating':
      return { ...base, type: 'integer', minimum: 1, ...(field.options?.max ? { maximum: field.options.max } : {}) }
    case 'checkbox':
      return { ...base, type: 'boolean' }
    case 'date':
      return { ...base, type: 'string', format: 'date' }
    case 'dateTime':
      return { ...base, type: 'string', format: 'date-time' }
    case 'singleSelect':
      return choices.length > 0 ? { ...base, type: 'string', enum: choices } : { ...base, type: 'string' }
    case 'multipleSelects':
      return {
        ...base,
        type: 'array',
        uniqueItems: true,
        items: choices.length > 0 ? { type: 'string', enum: choices } : { type: 'string' },
      }
    case 'multipleRecordLinks':
      return {
        ...base,
        type: 'array',
        items: { type: 'string', pattern: RECORD_ID },
        ...(field.options?.prefersSingleRecordLink ? { maxItems: 1 } : {}),
        description: `${base.description} (record IDs of the linked table)`,
      }
    case 'singleCollaborator':
      return { ...base, ...COLLABORATOR }
    case 'multipleCollaborators':
      return { ...base, type: 'array', items: COLLABORATOR }
    case 'multipleAttachments':
      return {
        ...base,
        type: 'array',
        items: {
          type: 'object',
          required: ['url'],
          properties: {
            url: { type: 'string', description: 'A public URL Airtable downloads the file from.' },
            filename: { type: 'string' },
          },
        },
      }
    case 'barcode':
      return { ...base, type: 'object', required: ['text'], properties: { text: { type: 'string' }, type: { type: 'string' } } }
    default:
      // A type added after this was written: left open (the field model asks clients to accept unknown types).
      return base
  }
}

/** The dynamic schema of a table's writable fields by name (Airtable has no required fields). */
export async function tableFieldsSchema(ctx: FieldOptionsContext<{ base?: string; table?: string }>): Promise<DynamicSchema> {
  const table = (await tables(ctx)).find((t) => t.id === ctx.inputs.table || t.name === ctx.inputs.table)
  if (!table) {
    throw new ActionError({
      type: 'not_found',
      code: 'table_not_found',
      message: `the base has no table ${JSON.stringify(ctx.inputs.table)}`,
    })
  }
  const properties: Record<string, Record<string, unknown>> = {}
  for (const field of table.fields) {
    const schema = cellSchema(field)
    if (schema) properties[field.name] = schema
  }
  return { type: 'object', properties }
}

// Shared by the Salesforce actions, from the REST API Developer Guide
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/ ):
// - every resource lives under /services/data/vXX.X/ on the org's instance URL (the app's base URL);
// - Describe Global, GET /sobjects/, lists the objects the user can see with createable/updateable/queryable flags
//   (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm );
// - sObject Describe, GET /sobjects/{object}/describe, lists an object's fields with type, createable, updateable,
//   nillable, defaultedOnCreate, length and picklistValues
//   (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm );
// - errors are a JSON array of {message, errorCode, fields?}; 403 REQUEST_LIMIT_EXCEEDED means the org's API
//   request limit is used up (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm ).
import { Type } from '@sinclair/typebox'
import {
  ActionError,
  ActionHttpError,
  type ActionOption,
  type DynamicSchema,
  type FieldOptionsContext,
} from '../../../src/define-action.js'

/** The REST API version every action calls (Summer '26). */
export const API_VERSION = 'v67.0'
/** The data services root, relative to the instance URL. */
export const DATA = `/services/data/${API_VERSION}`

/** An object's API name: Account, Contact, Invoice__c, ns__Thing__c… */
export const SObjectName = Type.String({
  pattern: '^[A-Za-z][A-Za-z0-9_]*$',
  maxLength: 120,
  description: 'The object API name, e.g. Account, Contact, Lead, Opportunity or a custom object such as Invoice__c.',
})

/** A record ID, 15 (case-sensitive) or 18 characters. */
export const RecordId = Type.String({
  pattern: '^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$',
  description: 'The record ID, 15 or 18 characters, e.g. 001D000000IqhSLIAZ.',
})

/** A field API name: Name, BillingCity, Amount__c… */
export const FIELD_NAME = '^[A-Za-z][A-Za-z0-9_]*$'

/** Field values by field API name, the static fallback of the dynamic `fields` inputs. */
export const FieldValues = (description: string) =>
  Type.Record(Type.String({ pattern: FIELD_NAME }), Type.Unknown(), { description, minProperties: 1 })

export interface SalesforceError {
  message?: string
  errorCode?: string
  fields?: string[]
}

/**
 * Makes Salesforce's error array readable by the run error (whose message reader takes `message` from an
 * object): rethrows the same status with the first error's code and message, and an exhausted API request
 * limit (403 REQUEST_LIMIT_EXCEEDED) as rate_limited. Anything else is rethrown as is.
 */
export function salesforceError(err: unknown): unknown {
  if (!(err instanceof ActionHttpError) || !Array.isArray(err.data)) return err
  const first = (err.data as SalesforceError[])[0]
  if (!first || typeof first !== 'object') return err
  const code = typeof first.errorCode === 'string' ? first.errorCode : 'UNKNOWN'
  const said = typeof first.message === 'string' ? first.message.trim().slice(0, 280) : ''
  const fields = Array.isArray(first.fields) && first.fields.length > 0 ? ` (fields: ${first.fields.slice(0, 10).join(', ')})` : ''
  if (err.status === 403 && code === 'REQUEST_LIMIT_EXCEEDED') {
    return new ActionError({
      type: 'rate_limited',
      code: 'request_limit_exceeded',
      message: `the org's API request limit is exceeded: ${said}`,
      retryable: false,
      attribution: 'provider',
    })
  }
  return new ActionHttpError(err.status, err.headers, { message: `${code}: ${said}${fields}`, errors: err.data }, err.message)
}

/** Runs a request and rethrows Salesforce errors through {@link salesforceError}. */
export async function sf<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    throw salesforceError(err)
  }
}

/** A record as the query and sObject Rows resources return it: `attributes` plus field values. */
export interface SalesforceRecord {
  attributes?: { type?: string; url?: string }
  [field: string]: unknown
}

export const RecordOutput = Type.Object({
  type: Type.Union([Type.String(), Type.Null()], { description: 'The object API name, from the record attributes.' }),
  id: Type.Union([Type.String(), Type.Null()], { description: 'The record ID (null for aggregate rows).' }),
  fields: Type.Record(Type.String(), Type.Unknown(), { description: 'Field values by field API name.' }),
})

/** The trimmed record: its type and ID from `attributes` (or the Id field), the other values as `fields`. */
export function toRecord(raw: SalesforceRecord): { type: string | null; id: string | null; fields: Record<string, unknown> } {
  const { attributes, ...fields } = raw
  const fromUrl = typeof attributes?.url === 'string' ? (attributes.url.split('/').pop() ?? null) : null
  const id = typeof raw.Id === 'string' ? raw.Id : fromUrl
  return { type: typeof attributes?.type === 'string' ? attributes.type : null, id: id === '' ? null : id, fields }
}

interface GlobalObject {
  name: string
  label: string
  createable?: boolean
  updateable?: boolean
  queryable?: boolean
  retrieveable?: boolean
  deprecatedAndHidden?: boolean
}

type ObjectFlag = 'createable' | 'updateable' | 'retrieveable' | 'queryable'

/** The object picker: Describe Global filtered by a flag and by the typed text (one answer, no paging). */
export function objectOptions(flag: ObjectFlag) {
  return async (ctx: FieldOptionsContext<{ object?: string }>): Promise<{ options: ActionOption[]; nextCursor: null }> => {
    const res = await sf(() => ctx.http.get<{ sobjects: GlobalObject[] }>(`${DATA}/sobjects/`))
    const q = ctx.query?.trim().toLowerCase()
    const options = res.data.sobjects
      .filter((o) => o[flag] === true && o.deprecatedAndHidden !== true)
      .filter((o) => !q || o.name.toLowerCase().includes(q) || o.label.toLowerCase().includes(q))
      .map((o) => ({ label: `${o.label} (${o.name})`, value: o.name }))
    return { options, nextCursor: null }
  }
}

interface PicklistValue {
  value: string
  label?: string
  active?: boolean
}

export interface DescribeField {
  name: string
  label: string
  type: string
  length?: number
  precision?: number
  scale?: number
  createable?: boolean
  updateable?: boolean
  nillable?: boolean
  defaultedOnCreate?: boolean
  deprecatedAndHidden?: boolean
  inlineHelpText?: string | null
  picklistValues?: PicklistValue[]
  referenceTo?: string[]
}

function activeValues(field: DescribeField): string[] {
  return (field.picklistValues ?? []).filter((p) => p.active !== false).map((p) => p.value)
}

/** The JSON schema of one field's value, from its describe type (REST API data types: JSON strings, numbers, booleans). */
export function fieldSchema(field: DescribeField): Record<string, unknown> {
  const title = field.label
  const help = field.inlineHelpText ? ` ${field.inlineHelpText}` : ''
  const base = { title, description: `${field.name} (${field.type}).${help}` }
  const maxLength = typeof field.length === 'number' && field.length > 0 ? { maxLength: field.length } : {}
  switch (field.type) {
    case 'boolean':
      return { ...base, type: 'boolean' }
    case 'int':
      return { ...base, type: 'integer' }
    case 'double':
    case 'currency':
    case 'percent':
      return { ...base, type: 'number' }
    case 'long':
      return { ...base, type: 'integer' }
    case 'date':
      return { ...base, type: 'string', format: 'date' }
    case 'datetime':
      return { ...base, type: 'string', format: 'date-time' }
    case 'time':
      return { ...base, type: 'string', description: `${base.description} HH:mm:ss.SSSZ.` }
    case 'email':
      return { ...base, type: 'string', format: 'email', ...maxLength }
    case 'url':
      return { ...base, type: 'string', format: 'uri', ...maxLength }
    case 'picklist': {
      const values = activeValues(field)
      return values.length > 0 ? { ...base, type: 'string', enum: values } : { ...base, type: 'string' }
    }
    case 'multipicklist': {
      const values = activeValues(field)
      return {
        ...base,
        type: 'string',
        description: `${base.description} Values separated by semicolons${values.length > 0 ? `, from: ${values.join(', ')}` : ''}.`,
      }
    }
    case 'reference':
    case 'id':
      return {
        ...base,
        type: 'string',
        pattern: '^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$',
        description: `${base.description}${field.referenceTo?.length ? ` A record ID (${field.referenceTo.join(' or ')}).` : ''}`,
      }
    case 'base64':
      return { ...base, type: 'string', contentEncoding: 'base64' }
    case 'string':
    case 'textarea':
    case 'phone':
    case 'combobox':
    case 'encryptedstring':
      return { ...base, type: 'string', ...maxLength }
    default:
      // address, location, anyType, complexvalue…: left open.
      return base
  }
}

/**
 * The dynamic schema of an object's writable fields (createable for a new record, updateable for an update);
 * on create, a field that is not nillable and not defaulted on create is required.
 */
export async function objectFieldsSchema(ctx: FieldOptionsContext<{ object?: string }>, mode: 'create' | 'update'): Promise<DynamicSchema> {
  const object = ctx.inputs.object ?? ''
  const res = await sf(() => ctx.http.get<{ fields: DescribeField[] }>(`${DATA}/sobjects/${encodeURIComponent(object)}/describe`))
  const properties: Record<string, Record<string, unknown>> = {}
  const required: string[] = []
  for (const field of res.data.fields) {
    if (field.deprecatedAndHidden) continue
    if (mode === 'create' ? field.createable !== true : field.updateable !== true) continue
    properties[field.name] = fieldSchema(field)
    if (mode === 'create' && field.nillable === false && field.defaultedOnCreate !== true && field.type !== 'boolean') {
      required.push(field.name)
    }
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) }
}

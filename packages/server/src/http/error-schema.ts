import { type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox'
import { type ErrorCode, errorCodes } from '../errors.js'
import { ref } from '../lib/schema-ref.js'

/**
 * Every REST API error body, `{ "error": { "code", "message" } }` (docs/errors.md): one schema, listed
 * once in the OpenAPI document (`components.schemas.Error`) and referenced by every error response.
 */
export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.Unsafe<ErrorCode>({
          type: 'string',
          enum: Object.keys(errorCodes),
          description: 'Stable: branch on it (docs/errors.md).',
        }),
        message: Type.String({ description: 'For people: says what went wrong and names the offending input.' }),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'Error', additionalProperties: false, description: 'A Patchbay error.' },
)

/** The token endpoint's errors, in RFC 6749 §5.2 form. */
export const OAuthErrorBody = Type.Object(
  {
    error: Type.String({
      description: 'invalid_request, invalid_client, invalid_grant, invalid_scope, invalid_target, too_many_requests, …',
    }),
    error_description: Type.String(),
  },
  { $id: 'OAuthError', description: 'An RFC 6749 error.' },
)

/** What each error status means wherever it is listed; a route may say more. */
const WHEN = {
  400: 'The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`).',
  401: 'No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which.',
  403: 'The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`).',
  404: 'No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same.',
  409: 'The resource is not in a state that allows this (`PB_ERR_CONFLICT`, `PB_ERR_CREDENTIAL_REVOKED`).',
  413: 'The request body is too large (`PB_ERR_PAYLOAD_TOO_LARGE`).',
  422: 'The app refused the supplied credentials (`PB_ERR_CREDENTIALS_REJECTED`); nothing was stored.',
  429: 'Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds.',
  502: 'The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`).',
} as const

export type ErrorStatus = keyof typeof WHEN

/** The one 400 of an operation that takes no input: any request is refused with a NUL character in its query (http/nul-bytes.ts). */
export const NUL_QUERY = 'A query value holding a NUL character (`PB_ERR_VALIDATION`).'

const HEADERS: Partial<Record<ErrorStatus, Record<string, TSchema>>> = {
  401: { 'WWW-Authenticate': Type.String({ description: 'The challenge: `Bearer realm="patchbay"` or `Basic …`.' }) },
  429: { 'Retry-After': Type.Integer({ description: 'Seconds to wait before retrying.' }) },
}

/**
 * The error responses of an operation, for its `response` schema: each status refers to the shared
 * {@link ErrorBody} with what it means (`custom` replaces the generic text for this operation).
 */
export function errorResponses<S extends ErrorStatus>(
  statuses: S[],
  custom: Partial<Record<ErrorStatus, string>> = {},
): { [K in S]: TUnsafe<Static<typeof ErrorBody>> } {
  return Object.fromEntries(
    statuses.map((status) => {
      const headers = HEADERS[status]
      return [status, { ...ref(ErrorBody, { description: custom[status] ?? WHEN[status] }), ...(headers ? { headers } : {}) }]
    }),
  ) as { [K in S]: TUnsafe<Static<typeof ErrorBody>> }
}

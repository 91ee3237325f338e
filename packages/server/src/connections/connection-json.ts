import { type Static, Type } from '@sinclair/typebox'
import type { Connection } from './connection-types.js'
import { isoTime } from '../lib/iso-time.js'

const EndUserJson = Type.Object(
  {
    tenant_id: Type.String({ description: "The partner's tenant id for the end user." }),
    user_id: Type.String({ description: "The partner's own id for the end user." }),
  },
  { additionalProperties: false, description: 'The end user it belongs to: in the operator API and webhooks only.' },
)

/**
 * The public shape of a connection, shared by the REST API and webhook payloads. It never holds
 * credentials or internal fields (version, refresh lease): only what a partner may show or store.
 * `params` are the connection parameters the user typed (a subdomain, a region): never secret,
 * since they are templated into the app's URLs.
 */
export const ConnectionJson = Type.Object(
  {
    id: Type.String(),
    app: Type.String({ description: 'Catalog key of the app.' }),
    auth_option: Type.String({ description: 'The auth option of the app the user connected with.' }),
    auth_type: Type.String({ description: 'oauth2, oauth2_client_credentials, oauth1, api_key or basic.' }),
    status: Type.Union([Type.Literal('active'), Type.Literal('needs_reauth'), Type.Literal('error')]),
    status_reason: Type.Union([Type.String(), Type.Null()], { description: 'Why the connection is not active, when it is not.' }),
    account_identifier: Type.Union([Type.String(), Type.Null()], { description: 'The account at the provider, when known.' }),
    name: Type.Union([Type.String(), Type.Null()]),
    scopes: Type.Array(Type.String()),
    params: Type.Record(Type.String(), Type.String(), { description: 'Connection parameters (e.g. a subdomain); never secret.' }),
    metadata: Type.Record(Type.String(), Type.String()),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the current access token expires (Patchbay refreshes it); null when it does not.',
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    end_user: Type.Optional(EndUserJson),
  },
  {
    $id: 'Connection',
    additionalProperties: false,
    description: "A connection: one end user's account at one app. Never holds credentials.",
  },
)
export type ConnectionJson = Static<typeof ConnectionJson>

export function connectionJson(connection: Connection, endUser?: { tenantId: string; userId: string }): ConnectionJson {
  return {
    id: connection.id,
    app: connection.appKey,
    auth_option: connection.authOption,
    auth_type: connection.authType,
    status: connection.status,
    status_reason: connection.statusReason,
    account_identifier: connection.accountIdentifier,
    name: connection.name,
    scopes: [...connection.scopes],
    params: { ...connection.params },
    metadata: { ...connection.metadata },
    expires_at: connection.expiresAt === null ? null : isoTime(connection.expiresAt),
    created_at: isoTime(connection.createdAt),
    updated_at: isoTime(connection.updatedAt),
    ...(endUser ? { end_user: { tenant_id: endUser.tenantId, user_id: endUser.userId } } : {}),
  }
}

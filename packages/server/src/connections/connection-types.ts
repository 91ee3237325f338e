// The connection types every layer shares (stores, services, webhook payloads, the proxy); their own
// module so that none of those imports another only for a type (docs/architecture.md).

import type { ConnectionStatus } from '../db/schema.js'

/** Every secret of a connection, kept as one encrypted JSON object. */
export type Credentials = Record<string, string | number | null>

export interface Connection {
  id: string
  partnerId: string
  endUserId: string
  appKey: string
  authOption: string
  authType: string
  name: string | null
  status: ConnectionStatus
  statusReason: string | null
  accountIdentifier: string | null
  scopes: string[]
  params: Record<string, string>
  metadata: Record<string, string>
  expiresAt: number | null
  version: number
  /** Set while a refresh holds the lease (or after one was interrupted). */
  refreshStartedAt: number | null
  /** When the current tokens were obtained (refresh, reconnect or creation). */
  refreshedAt: number | null
  createdAt: number
  updatedAt: number
}

export interface ConnectionGrant {
  appKey: string
  authOption: string
  authType: string
  name?: string | null
  accountIdentifier: string | null
  scopes: string[]
  params: Record<string, string>
  metadata: Record<string, string>
  credentials: Credentials
  expiresAt: number | null
}

export interface Owner {
  partnerId: string
  endUserId: string
}

export type Operation = 'creation' | 'reauth'

/**
 * What storing a grant did: the connection (new, or re-authorized with its id kept) and the owner's
 * connections of the app it replaced and deleted. The caller emits the webhook events
 * (`enqueueGrantEvents`): stores only store.
 */
export interface StoredGrant {
  connection: Connection
  operation: Operation
  replaced: Connection[]
}

import type { Kysely } from 'kysely'
import type { Owner } from '../../connections/connection-types.js'
import type { Database } from '../../db/schema.js'
import { PatchbayError } from '../../errors.js'
import { enqueueConnectFailedEvent } from '../../webhooks/connection-events.js'
import type { ConnectSessions, SessionOutcome } from '../sessions/connect-sessions.js'
import type { ConnectLink, ConnectLinks } from './connect-links.js'

/**
 * `DELETE /v1/connect/links/{id}` (docs/connect-links.md). A pending link stops working; a link whose
 * flow is under way ends that flow with the error outcome `revoked` (and `connection.failed`), so a
 * provider callback arriving later stores nothing. Revoking twice answers the revoked link again.
 */
export async function revokeLink(
  deps: { db: Kysely<Database>; links: ConnectLinks; sessions: ConnectSessions },
  owner: Owner,
  id: string,
  now: number = Date.now(),
): Promise<ConnectLink> {
  const link = await deps.links.get(owner, id, now)
  if (!link) throw new PatchbayError('PB_ERR_NOT_FOUND', `connect link ${id} not found`)
  if (link.status === 'revoked') return link
  if (link.outcome !== null) throw new PatchbayError('PB_ERR_LINK_USED', `connect link ${id} was already used; its flow has ended`)
  if (link.status === 'expired') throw new PatchbayError('PB_ERR_LINK_EXPIRED', `connect link ${id} expired unopened`)
  // Read before the transaction: the embedded database has one connection, held by the transaction.
  const session = link.sessionId === null ? undefined : await deps.sessions.byId(link.sessionId)
  await deps.db.transaction().execute(async (trx) => {
    if (!(await deps.links.markRevoked(trx, link.id, now))) return
    if (link.sessionId === null) return
    const outcome: SessionOutcome = {
      status: 'error',
      app: session?.context.app ?? '',
      error: 'revoked',
      error_description: 'The connection link was revoked.',
    }
    if (!(await deps.sessions.setOutcome(link.sessionId, outcome, trx))) {
      // The flow ended between the read and this write: the link was used, not revoked.
      throw new PatchbayError('PB_ERR_LINK_USED', `connect link ${id} was already used; its flow has ended`)
    }
    await enqueueConnectFailedEvent(trx, {
      partnerId: link.partnerId,
      endUserId: link.endUserId,
      sessionId: link.sessionId,
      app: outcome.app || null,
      error: 'revoked',
      errorDescription: outcome.error_description as string,
      reconnectId: null,
      linkId: link.id,
    })
  })
  return (await deps.links.get(owner, id)) as ConnectLink
}

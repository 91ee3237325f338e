import { recordGrant } from '../../audit/audit-log.js'
import type { App } from '../../catalog/app-schema.js'
import type { ConnectionGrant, StoredGrant } from '../../connections/connection-types.js'
import type { Partner } from '../../partners/partner-store.js'
import { enqueueConnectFailedEvent, enqueueConnectionEvent, enqueueGrantEvents } from '../../webhooks/connection-events.js'
import type { ActiveSession, SessionOutcome } from '../sessions/connect-sessions.js'
import type { ConnectFlowDeps } from './flow-deps.js'
import type { FlowStep } from './steps.js'

// Ending a session: the connection and the session's outcome are written together, with the
// webhook events in the same transaction (outbox, docs/webhooks.md).

/** Rolls back a flow's connection when its session already ended with another outcome. */
class SessionAlreadyEnded extends Error {}

/** A scope upgrade consented with another provider account: nothing of it is kept (docs/api.md, "Upgrading scopes"). */
class OtherAccount extends Error {
  constructor(readonly unknownAccount: boolean) {
    super('other account')
  }
}

/** Stores the connection (new, replacing, or re-authorized) and the session's outcome together. */
export async function finish(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  partner: Partner,
  app: App,
  grant: ConnectionGrant,
): Promise<FlowStep> {
  const owner = { partnerId: session.partnerId, endUserId: session.endUserId }
  const result = await deps.db
    .transaction()
    .execute(async (trx) => {
      let stored: StoredGrant | undefined
      if (session.reconnectId && session.upgradeScopes && grant.authType === 'oauth2') {
        // The upgrade must come from the account the connection is of: a connection's id names one
        // provider account (docs/api.md, "Upgrading scopes"); checked in the transaction that writes.
        const before = await deps.connections.get(owner, session.reconnectId, trx)
        if (before && (before.accountIdentifier === null || before.accountIdentifier !== grant.accountIdentifier)) {
          throw new OtherAccount(before.accountIdentifier === null || grant.accountIdentifier === null)
        }
        const upgraded = await deps.connections.reauthorize(trx, owner, session.reconnectId, grant)
        if (!upgraded || !before) return undefined
        const added = upgraded.scopes.filter((s) => !before.scopes.includes(s))
        await enqueueConnectionEvent(trx, 'connection.updated', upgraded, { operation: 'scope_upgrade', added_scopes: added })
        await deps.audit.record(
          trx,
          upgraded,
          'scopes_upgraded',
          { type: 'end_user', id: session.id, via: 'connect_session' },
          { requested_scopes: session.upgradeScopes, added_scopes: added, scopes: upgraded.scopes },
        )
        const outcome: SessionOutcome = {
          status: 'success',
          app: app.key,
          connection_id: upgraded.id,
          operation: 'reauth',
          account_identifier: upgraded.accountIdentifier,
        }
        if (!(await deps.sessions.setOutcome(session.id, outcome, trx))) throw new SessionAlreadyEnded()
        return outcome
      } else if (session.reconnectId) {
        const reauthorized = await deps.connections.reauthorize(trx, owner, session.reconnectId, grant)
        stored = reauthorized && { connection: reauthorized, operation: 'reauth', replaced: [] }
      } else {
        // The same account connected again keeps its connection's id (docs/api.md, "Connecting again").
        stored = await deps.connections.connect(trx, owner, grant, { allowMultiple: session.allowMultiple })
      }
      if (!stored) return undefined
      const { connection, operation } = stored
      await enqueueGrantEvents(trx, stored, Date.now(), session.linkId ? { connect_link_id: session.linkId } : {})
      await recordGrant(deps.audit, trx, stored, { type: 'end_user', id: session.id, via: 'connect_session' })
      const outcome: SessionOutcome = {
        status: 'success',
        app: app.key,
        connection_id: connection.id,
        operation,
        account_identifier: connection.accountIdentifier,
      }
      // The session ended meanwhile (another flow of it, the abandoned-session sweep): nothing of
      // this flow is kept, and the browser is shown what was reported.
      if (!(await deps.sessions.setOutcome(session.id, outcome, trx))) throw new SessionAlreadyEnded()
      return outcome
    })
    .catch((err: unknown) => {
      if (err instanceof SessionAlreadyEnded) return 'ended' as const
      if (err instanceof OtherAccount) return err.unknownAccount ? ('unknown_account' as const) : ('other_account' as const)
      throw err
    })
  if (result === 'ended') return reportedOutcome(deps, session, partner, app)
  if (result === 'other_account') {
    return finishError(
      deps,
      session,
      partner,
      app,
      'account_mismatch',
      `You signed in to ${app.name} with another account than the one this connection uses. Nothing was changed: sign in with that account to grant the new permissions.`,
    )
  }
  if (result === 'unknown_account') {
    return finishError(
      deps,
      session,
      partner,
      app,
      'account_mismatch',
      `${app.name} did not tell which account you signed in with, so Patchbay cannot confirm it is the one this connection uses. Nothing was changed.`,
    )
  }
  if (!result) return finishError(deps, session, partner, app, 'not_found', 'The connection to reconnect no longer exists.')
  return { kind: 'result', session, partner, app, outcome: result }
}

/** The outcome a session already ended with, for a flow of it that finished too late. */
export async function reportedOutcome(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  partner: Partner,
  app: App | undefined,
): Promise<FlowStep> {
  const outcome = (await deps.sessions.byId(session.id))?.outcome
  if (!outcome) throw new Error('connect session has no outcome after it ended')
  return { kind: 'result', session, partner, app, outcome }
}

/** Ends the session with an error outcome and queues `connection.failed`, once. */
export async function finishError(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  partner: Partner,
  app: App | undefined,
  error: string,
  description: string,
): Promise<FlowStep> {
  const outcome: SessionOutcome = { status: 'error', app: app?.key ?? '', error, error_description: description }
  // The outcome and `connection.failed` together (outbox): the partner's backend learns of every
  // failed session, once; a session that already ended keeps the outcome it was reported with.
  const recorded = await deps.db.transaction().execute(async (trx) => {
    if (!(await deps.sessions.setOutcome(session.id, outcome, trx))) return false
    await enqueueConnectFailedEvent(trx, {
      partnerId: session.partnerId,
      endUserId: session.endUserId,
      sessionId: session.id,
      app: app?.key ?? null,
      error,
      errorDescription: description,
      reconnectId: session.reconnectId,
      linkId: session.linkId,
    })
    return true
  })
  if (!recorded) return reportedOutcome(deps, session, partner, app)
  return { kind: 'result', session, partner, app, outcome }
}

/**
 * A callback that failed in a way the provider did not explain (token endpoint unreachable or
 * refused by the outbound policy, discovery failing, a bug): still a terminal error outcome, so
 * the partner hears of it; the page says nothing more than that. `failure` is for the log.
 */
export async function callbackFailed(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  partner: Partner,
  app: App,
  err: unknown,
): Promise<FlowStep> {
  const step = await finishError(
    deps,
    session,
    partner,
    app,
    'server_error',
    `${app.name} could not complete the sign-in. Try again later.`,
  )
  const e = err instanceof Error ? err : new Error(String(err))
  return step.kind === 'result' ? { ...step, failure: { name: e.name, code: (e as { code?: unknown }).code } } : step
}

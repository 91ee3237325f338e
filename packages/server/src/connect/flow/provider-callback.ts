import type { App, AuthOption } from '../../catalog/app-schema.js'
import { secretMatches } from '../../lib/random.js'
import type { Partner } from '../../partners/partner-store.js'
import type { ActiveSession } from '../sessions/connect-sessions.js'
import { finishError, reportedOutcome } from './finish.js'
import { type ConnectFlowDeps, sessionCookieName } from './flow-deps.js'
import type { FlowContext } from './oauth-flow-store.js'
import type { FlowStep } from './steps.js'

// What the OAuth2 and OAuth1 callbacks share: finding the flow a provider's answer belongs to.

export type TakenFlow =
  /** `expired`: the user came back too late; `ended`: another flow of the session (a second tab) ended it first. */
  | { done: 'expired' | 'ended'; session: ActiveSession; partner: Partner; app: App }
  | {
      done: false
      session: ActiveSession
      partner: Partner
      app: App
      option: AuthOption
      secrets: Record<string, string>
      context: FlowContext
    }

/**
 * Consumes a flow once, for the browser that started it and the provider it was started for
 * (one callback URL per app: a response meant for another provider never matches).
 */
export async function takeFlow(
  deps: ConnectFlowDeps,
  stateOrToken: unknown,
  appKey: string,
  cookies: Record<string, string | undefined>,
): Promise<TakenFlow | undefined> {
  if (typeof stateOrToken !== 'string' || stateOrToken === '' || stateOrToken.length > 512) return undefined
  const flow = await deps.oauthFlows.find(stateOrToken)
  if (!flow || flow.appKey !== appKey) return undefined
  const cookie = cookies[sessionCookieName(flow.sessionId)]
  if (!cookie || !secretMatches(cookie, flow.browserHash)) return undefined
  const now = Date.now()
  const claimed = await deps.oauthFlows.claim(flow, now)
  const expired = !claimed && flow.usedAt === null && flow.expiresAt <= now
  if (!claimed && !expired) return undefined
  const session = await deps.sessions.byId(flow.sessionId)
  const partner = session ? await deps.partners.get(session.partnerId) : undefined
  const app = deps.catalog.get(flow.appKey)
  const option = app?.auth.find((o) => o.key === flow.authOption)
  if (!session || !partner || !app || !option) return undefined
  // A session ends with one outcome: another flow of it (a second tab) that ended it first keeps it,
  // and this tab shows that outcome too.
  if (session.outcome !== null) return { done: 'ended', session, partner, app }
  // The user came back after the flow's lifetime: the session ends in an error the partner hears of.
  if (expired) return { done: 'expired', session, partner, app }
  return { done: false, session, partner, app, option, secrets: deps.oauthFlows.secrets(flow), context: flow.context }
}

/** The answer to a callback whose flow was done before it came: the expired error, or the outcome the session ended with. */
export function flowDone(deps: ConnectFlowDeps, flow: Extract<TakenFlow, { done: 'expired' | 'ended' }>): Promise<FlowStep> {
  const { session, partner, app } = flow
  if (flow.done === 'ended') return reportedOutcome(deps, session, partner, app)
  return finishError(deps, session, partner, app, 'expired', `The sign-in with ${app.name} took too long. Start again.`)
}

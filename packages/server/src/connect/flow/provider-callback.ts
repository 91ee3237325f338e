import type { App, AuthOption } from '../../catalog/app-schema.js'
import { secretMatches } from '../../lib/random.js'
import type { Partner } from '../../partners/partner-store.js'
import type { ActiveSession } from '../sessions/connect-sessions.js'
import { finishError } from './finish.js'
import { type ConnectFlowDeps, sessionCookieName } from './flow-deps.js'
import type { FlowContext } from './oauth-flow-store.js'
import type { FlowStep } from './steps.js'

// What the OAuth2 and OAuth1 callbacks share: finding the flow a provider's answer belongs to.

export type TakenFlow =
  | { expired: true; session: ActiveSession; partner: Partner; app: App }
  | {
      expired: false
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
  // A session ends with one outcome: another flow of it (a second tab) cannot replace what was reported.
  if (!session || session.outcome !== null || !partner || !app || !option) return undefined
  // The user came back after the flow's lifetime: the session ends in an error the partner hears of.
  if (expired) return { expired: true, session, partner, app }
  return { expired: false, session, partner, app, option, secrets: deps.oauthFlows.secrets(flow), context: flow.context }
}

export function flowExpired(deps: ConnectFlowDeps, session: ActiveSession, partner: Partner, app: App): Promise<FlowStep> {
  return finishError(deps, session, partner, app, 'expired', `The sign-in with ${app.name} took too long. Start again.`)
}

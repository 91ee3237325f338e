import type { App } from '../../catalog/app-schema.js'
import type { ActiveSession } from '../sessions/connect-sessions.js'
import { type ConnectFlowDeps, offeredApps, paramKeys } from './flow-deps.js'
import { oauth1Callback } from './oauth1-flow.js'
import { oauth2Callback } from './oauth2-flow.js'
import { type OpenRequest, openSession, picker } from './open-session.js'
import type { FlowStep } from './steps.js'
import { appPage, submit } from './submit-form.js'
import type { Partner } from '../../partners/partner-store.js'
import { openLink } from '../links/open-link.js'

export type { ConnectFlowDeps } from './flow-deps.js'
export { sessionCookieName } from './flow-deps.js'
export type { OpenRequest } from './open-session.js'
export type { FlowStep, FormState } from './steps.js'

/**
 * The Connect flow as the routes see it: redeeming a session code, choosing an app and an auth
 * option, running the provider's authorization (OAuth2 code + PKCE, OAuth 1.0a) or checking typed
 * credentials, and storing the connection. Every method returns a {@link FlowStep}; nothing here
 * touches HTTP. Each flow lives in its own module (docs/architecture.md, "Where each flow lives"):
 * open-session.ts, submit-form.ts, oauth2-flow.ts, oauth1-flow.ts, finish.ts.
 */
export class ConnectFlow {
  constructor(private readonly deps: ConnectFlowDeps) {}

  /** The flow's dependencies, for the headless API (connect/headless/), which drives the same steps. */
  get dependencies(): ConnectFlowDeps {
    return this.deps
  }

  /** `GET /to/{app}?token=…` and `GET /connect?token=…`: redeem the code, bind it to this browser. */
  open(code: string | undefined, appKey: string | null, req: OpenRequest): Promise<FlowStep> {
    return openSession(this.deps, code, appKey, req)
  }

  /** `GET /link?token=…`: the first visit opens the link's session for this browser (docs/connect-links.md). */
  openLink(token: string | undefined, cookies: Record<string, string | undefined>): Promise<FlowStep> {
    return openLink(this.deps, token, cookies)
  }

  picker(sessionId: string, browserSecret: string | undefined): Promise<FlowStep> {
    return picker(this.deps, sessionId, browserSecret)
  }

  /** The app's page: straight to the provider when nothing needs typing, else the form. */
  appPage(
    sessionId: string,
    appKey: string,
    browserSecret: string | undefined,
    clientIp: string,
    optionKey?: string,
    input: Record<string, string> = {},
  ): Promise<FlowStep> {
    return appPage(this.deps, sessionId, appKey, browserSecret, clientIp, optionKey, input)
  }

  /** `POST /connect/{session}/{app}`: the user submitted the form of one auth option. */
  submit(
    sessionId: string,
    appKey: string,
    browserSecret: string | undefined,
    body: Record<string, string>,
    clientIp: string,
  ): Promise<FlowStep> {
    return submit(this.deps, sessionId, appKey, browserSecret, body, clientIp)
  }

  /** `GET /oauth2/callback/{app}`. */
  oauth2Callback(appKey: string, query: Record<string, unknown>, cookies: Record<string, string | undefined>): Promise<FlowStep> {
    return oauth2Callback(this.deps, appKey, query, cookies)
  }

  /** `GET /oauth1/callback/{app}`. */
  oauth1Callback(appKey: string, query: Record<string, unknown>, cookies: Record<string, string | undefined>): Promise<FlowStep> {
    return oauth1Callback(this.deps, appKey, query, cookies)
  }

  /** Keys of the connection parameters of an app (all options): the values that may be kept in the session. */
  paramKeys(appKey: string): Set<string> {
    return paramKeys(this.deps, appKey)
  }

  /** Apps this session may connect: the session's list (or every app), usable for this partner. */
  offeredApps(session: ActiveSession, partner: Partner): Promise<App[]> {
    return offeredApps(this.deps, session, partner)
  }
}

import type { App, AuthOption, Field } from '../../catalog/app-schema.js'
import { connectionParamsFor } from '../../catalog/template.js'
import { credentialFields, grantFromCredentials, validateCredentialInput } from '../../credentials/create-from-credentials.js'
import type { Partner } from '../../partners/partner-store.js'
import * as oauth1 from '../../provider-oauth/oauth1/index.js'
import { AppNotConfiguredError } from '../../provider-oauth/oauth2/endpoints.js'
import { ProviderTokenError } from '../../provider-oauth/oauth2/token-endpoint.js'
import type { ActiveSession } from '../sessions/connect-sessions.js'
import { CredentialCheckError } from './credential-check.js'
import { finish, finishError } from './finish.js'
import { type ConnectFlowDeps, sessionApp } from './flow-deps.js'
import { startOAuth1 } from './oauth1-flow.js'
import { startOAuth2 } from './oauth2-flow.js'
import { errorStep, type FlowStep, formStep } from './steps.js'

/** The app's page: straight to the provider when nothing needs typing, else the form. */
export async function appPage(
  deps: ConnectFlowDeps,
  sessionId: string,
  appKey: string,
  browserSecret: string | undefined,
  /**
   * The browser's IP, for the per-IP budget of credential checks; undefined when no browser is
   * involved (headless connect counts per end user instead, as `POST /v1/connections` does).
   */
  clientIp: string | undefined,
  optionKey?: string,
  /** Values supplied up front (connection popup): parameters and even credentials, never stored as typed. */
  input: Record<string, string> = {},
): Promise<FlowStep> {
  const found = await sessionApp(deps, sessionId, browserSecret, appKey)
  if ('kind' in found) return found
  const { session, partner, app, options } = found
  const preferred = optionKey ?? session.context.authOption
  const chosen = preferred ? options.filter((o) => o.key === preferred) : options
  if (chosen.length === 1) {
    const option = chosen[0] as AuthOption
    const fields = [...connectionParamsFor(app, option), ...credentialFields(option)]
    const prefilled = { ...(session.context.params ?? {}), ...input }
    const needsInput = fields.some((f) => !f.optional && f.default === undefined && prefilled[f.key] === undefined)
    if (!needsInput) return submitOption(deps, session, partner, app, options, option, prefilled, browserSecret as string, false, clientIp)
  }
  return formStep(session, partner, app, options, {
    values: { ...(session.context.params ?? {}), ...input },
    errors: {},
    ...(preferred ? { selected: preferred } : {}),
  })
}

/** `POST /connect/{session}/{app}`: the user submitted the form of one auth option. */
export async function submit(
  deps: ConnectFlowDeps,
  sessionId: string,
  appKey: string,
  browserSecret: string | undefined,
  body: Record<string, string>,
  clientIp: string,
): Promise<FlowStep> {
  const found = await sessionApp(deps, sessionId, browserSecret, appKey)
  if ('kind' in found) return found
  const { session, partner, app, options } = found
  const option = options.find((o) => o.key === body.auth_option) ?? (options.length === 1 ? options[0] : undefined)
  if (!option) return formStep(session, partner, app, options, { values: body, errors: {}, formError: 'Choose how to connect.' }, 400)
  return submitOption(deps, session, partner, app, options, option, body, browserSecret as string, true, clientIp)
}

/** Validates one option's input, then starts its provider authorization or checks and stores typed credentials. */
async function submitOption(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  partner: Partner,
  app: App,
  /** The options this partner offers for the app (the form shows them again on an error). */
  options: AuthOption[],
  option: AuthOption,
  input: Record<string, string>,
  browserSecret: string,
  fromForm: boolean,
  clientIp: string | undefined,
): Promise<FlowStep> {
  const fail = (errors: Record<string, string>, formError?: string) =>
    formStep(session, partner, app, options, { values: input, errors, selected: option.key, ...(formError ? { formError } : {}) }, 400)

  // The form holds other values too (auth_option, other options' fields): only this option's are validated.
  const pick = (fields: Field[]) =>
    Object.fromEntries(fields.filter((f) => input[f.key] !== undefined).map((f) => [f.key, input[f.key] as string]))
  const validated = validateCredentialInput(app, option, {
    params: pick(connectionParamsFor(app, option)),
    credentials: pick(credentialFields(option)),
  })
  if (!validated.ok) {
    // Parameters first: credential errors are reported once the parameters are right.
    const paramErrors = validated.errors.filter((e) => e.in === 'params')
    return fail(Object.fromEntries((paramErrors.length ? paramErrors : validated.errors).map((e) => [e.key, e.message])))
  }
  const { params, credentials } = validated

  const partnerApp = await deps.partnerApps.get(partner.id, app.key)
  try {
    switch (option.type) {
      case 'oauth2': {
        const url = await startOAuth2(deps, session, app, option, params, partnerApp, browserSecret)
        return fromForm ? { kind: 'redirecting', session, partner, app, url } : { kind: 'redirect', url }
      }
      case 'oauth1': {
        const url = await startOAuth1(deps, session, app, option, params, partnerApp, browserSecret)
        return fromForm ? { kind: 'redirecting', session, partner, app, url } : { kind: 'redirect', url }
      }
      case 'oauth2_client_credentials':
      case 'api_key':
      case 'basic': {
        // Counted before the app is asked, so the form is no key oracle (docs/operations.md, "Rate limits").
        const attempt = await deps.credentialAttempts.take(`session:${session.id}`, clientIp)
        if (!attempt.allowed) {
          const wait = `Wait ${attempt.retryAfterSeconds} second${attempt.retryAfterSeconds === 1 ? '' : 's'} and try again.`
          return errorStep(429, 'Too many attempts', `Too many attempts to connect ${app.name}. ${wait}`, app, partner)
        }
        const grant = await grantFromCredentials(deps, {
          app,
          option,
          params: params,
          credentials,
          partnerApp,
          name: session.context.name,
        })
        return finish(deps, session, partner, app, grant)
      }
      case 'none':
        return errorStep(400, `${app.name} needs no connection`, `${app.name} can be used without connecting an account.`, app, partner)
    }
  } catch (err) {
    if (err instanceof CredentialCheckError || err instanceof ProviderTokenError) {
      if (!fromForm && session.context.resultFormat === 'connection_popup') {
        // docs/errors.md: invalid_credentials when the app answered and refused them; server_error when
        // it could not be asked (unreachable, a server error, an address the outbound rules refuse).
        const refused = err instanceof ProviderTokenError || (err.status !== undefined && err.status < 500 && !err.blocked)
        return finishError(deps, session, partner, app, refused ? 'invalid_credentials' : 'server_error', err.message)
      }
      return fail({}, err.message)
    }
    if (err instanceof AppNotConfiguredError) return errorStep(400, `${app.name} is not available`, err.message, app, partner)
    // The provider refused to start (no oauth_callback_confirmed, an error, unreachable): no flow was saved.
    if (err instanceof oauth1.OAuth1Error) {
      return errorStep(502, `${app.name} is not available`, `${app.name} could not start the sign-in. ${err.message}`, app, partner)
    }
    // The issuer's discovery document (or the provider) could not be had: unreachable, refused by
    // the outbound policy, or not a valid document. Programming errors still surface as such.
    if ((option.type === 'oauth2' || option.type === 'oauth1') && !(err instanceof TypeError || err instanceof RangeError)) {
      return errorStep(
        502,
        `${app.name} is not available`,
        `${app.name} could not start the sign-in: ${(err as Error).message}`,
        app,
        partner,
      )
    }
    throw err
  }
}

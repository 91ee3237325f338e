import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { headlessAuthorizeUrl, headlessSubmitCredentials } from '../../connect/headless/headless-connect.js'
import type { ActiveSession, SessionOutcome } from '../../connect/sessions/connect-sessions.js'
import { PatchbayError } from '../../errors.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { requireScope } from './authenticate.js'
import { isoTime } from '../../lib/iso-time.js'

const Choice = {
  token: Type.String({ minLength: 1, maxLength: 200, description: 'The session code from `POST /v1/connect/sessions` (`token`).' }),
  app: Type.String({ minLength: 1, maxLength: 64, description: 'The app to connect (one the session allows).' }),
  auth_option: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Required when the app offers several options of this kind.' }),
  ),
  params: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 1024 }), { description: 'Connection parameters.' })),
}

/** What both headless routes answer for a session code that is not this user's, or no longer usable. */
const sessionCodeErrors = {
  404: "`token` is no connect session of this end user (another user's answers the same).",
  409: 'The session was already used or expired (`PB_ERR_CONFLICT`).',
}

/** The body's session choice, as the headless connect services take it. */
function choiceOf(body: { token: string; app: string; auth_option?: string; params?: Record<string, string> }) {
  return { token: body.token, app: body.app, authOption: body.auth_option, params: body.params }
}

const Outcome = Type.Object(
  {
    status: Type.Union([Type.Literal('success'), Type.Literal('error')]),
    app: Type.String(),
    connection_id: Type.Optional(Type.String()),
    operation: Type.Optional(Type.Union([Type.Literal('creation'), Type.Literal('reauth')])),
    account_identifier: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    error: Type.Optional(Type.String()),
    error_description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

export const ConnectSessionStatus = Type.Object(
  {
    session_id: Type.String(),
    status: Type.Union(
      [Type.Literal('pending'), Type.Literal('open'), Type.Literal('success'), Type.Literal('error'), Type.Literal('expired')],
      {
        description:
          'pending: code unused; open: redeemed, flow under way; success / error: ended (see `outcome`); expired: never used in time.',
      },
    ),
    expires_at: Type.String({ format: 'date-time' }),
    connection_id: Type.Union([Type.String(), Type.Null()]),
    outcome: Type.Union([Outcome, Type.Null()]),
  },
  { $id: 'ConnectSessionStatus', additionalProperties: false, description: 'Where a connect session stands (docs/connect-links.md).' },
)

export const HeadlessAuthorization = Type.Object(
  {
    authorization_url: Type.String({
      description:
        "Send the user's browser here (top-level navigation or a popup): Patchbay binds the session to that browser and redirects it at once to the provider.",
    }),
    session_id: Type.String(),
    expires_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'HeadlessAuthorization', additionalProperties: false, description: 'Where to send the browser to authorize at the provider.' },
)

function statusJson(session: ActiveSession, now: number) {
  const outcome: SessionOutcome | null = session.outcome
  const status: 'pending' | 'open' | 'success' | 'error' | 'expired' = outcome
    ? outcome.status
    : session.usedAt !== null
      ? 'open'
      : session.expiresAt <= now
        ? 'expired'
        : 'pending'
  return {
    session_id: session.id,
    status,
    expires_at: isoTime(session.expiresAt),
    connection_id: outcome?.status === 'success' ? (outcome.connection_id ?? null) : null,
    outcome: outcome ? { ...outcome } : null,
  }
}

const security = [{ bearer: [] }]

/**
 * Headless connect (docs/connect-links.md, "Headless connect"): the partner's own UI, Patchbay's
 * rules. Same credentials as minting the session: the end user's token with the `connect` scope.
 */
export const connectHeadlessRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { connectFlow, sessions } = app.services

  app.post(
    '/connect/sessions/authorize',
    {
      preHandler: requireScope('connect'),
      schema: {
        operationId: 'authorizeConnectSession',
        summary: 'Start an OAuth flow for a connect session (headless)',
        description:
          "Checks the app, auth option and connection parameters, and answers the URL to send the user's browser to. The result comes back by redirect to the session's `redirect_uri`, by webhook and by `GET /v1/connect/sessions/{id}`.",
        tags: ['connect'],
        security,
        body: Type.Object(Choice, { additionalProperties: false }),
        response: {
          200: ref(HeadlessAuthorization),
          ...errorResponses([400, 401, 403, 404, 409], {
            400: 'An app the session does not allow, no OAuth option of that key, or bad connection parameters (`PB_ERR_VALIDATION`, naming the field).',
            ...sessionCodeErrors,
          }),
        },
      },
    },
    async (req, reply) => {
      const { url, session } = await headlessAuthorizeUrl(connectFlow.dependencies, req.principal, choiceOf(req.body))
      reply.header('Cache-Control', 'no-store')
      return { authorization_url: url, session_id: session.id, expires_at: isoTime(session.expiresAt) }
    },
  )

  app.post(
    '/connect/sessions/credentials',
    {
      preHandler: requireScope('connect'),
      schema: {
        operationId: 'submitConnectSessionCredentials',
        summary: 'Connect with typed credentials for a connect session (headless)',
        description:
          'Checks the credentials with the app and stores the connection, as the Connect UI form does; the session ends either way (webhook `connection.created` or `connection.failed`).',
        tags: ['connect'],
        security,
        body: Type.Object(
          {
            ...Choice,
            credentials: Type.Record(Type.String(), Type.String({ maxLength: 4096 }), {
              description: 'Credential fields, e.g. `{ "api_key": "…" }`. Never echoed.',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: ref(ConnectSessionStatus),
          ...errorResponses([400, 401, 403, 404, 409, 422, 429, 502], {
            400: 'An app the session does not allow, no credential option of that key, or a missing or malformed field (`PB_ERR_VALIDATION`, naming it); the session stays usable.',
            ...sessionCodeErrors,
            422: 'The app refused the credentials (`PB_ERR_CREDENTIALS_REJECTED`); nothing was stored and the session ended with the error.',
            502: 'The app could not be asked (unreachable, or it answered with a server error: `PB_ERR_UPSTREAM`); nothing was stored and the session ended with the error `server_error`.',
            429: 'Too many credential checks for this end user in the window (`PB_ERR_RATE_LIMITED`, `Retry-After`); the app was not asked and the session stays usable.',
          }),
        },
      },
    },
    async (req, reply) => {
      const { session, outcome } = await headlessSubmitCredentials(connectFlow.dependencies, req.principal, {
        ...choiceOf(req.body),
        credentials: req.body.credentials,
      })
      if (outcome.status === 'error' && outcome.error === 'invalid_credentials') {
        throw new PatchbayError('PB_ERR_CREDENTIALS_REJECTED', outcome.error_description ?? 'the app did not accept these credentials')
      }
      if (outcome.status === 'error' && outcome.error === 'server_error') {
        throw new PatchbayError('PB_ERR_UPSTREAM', outcome.error_description ?? 'the app could not be asked to check the credentials')
      }
      reply.code(201).header('Cache-Control', 'no-store')
      return statusJson({ ...session, outcome }, Date.now())
    },
  )

  app.get(
    '/connect/sessions/:id',
    {
      preHandler: requireScope('connect'),
      schema: {
        operationId: 'getConnectSession',
        summary: 'Get a connect session',
        description: "Where the session stands and, once it ended, its outcome (the partner's backend's view; no code needed).",
        tags: ['connect'],
        security,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: ref(ConnectSessionStatus), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (req) => {
      const p = req.principal
      const session = await sessions.ofOwner(req.params.id, p.partnerId, p.endUserId)
      if (!session) {
        throw new PatchbayError('PB_ERR_NOT_FOUND', `connect session ${req.params.id} not found`)
      }
      return statusJson(session, Date.now())
    },
  )
}

import cookie from '@fastify/cookie'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { resultMessage } from '../connect/flow/results.js'
import { PatchbayError } from '../errors.js'
import { errorResponses } from '../http/error-schema.js'
import { nulPath } from '../http/nul-bytes.js'
import { ref } from '../lib/schema-ref.js'
import { respond } from './connect-ui.js'

/** The seed-004 parameters, from a JSON `payload` field, a JSON body, form fields or the query string. */
interface PopupParams {
  integrationKey?: string
  connectionParameters?: Record<string, string>
  connectionId?: string
  name?: string
  authOptionKey?: string
  allowMultipleConnections?: boolean
  customState?: string
  token?: string
  redirectUri?: string
}

class PopupInputError extends Error {}

function readPopupParams(query: Record<string, unknown>, body: unknown): PopupParams {
  let source: Record<string, unknown> = { ...query }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>
    if (typeof b.payload === 'string') {
      let parsed: unknown
      try {
        parsed = JSON.parse(b.payload)
      } catch {
        throw new PopupInputError('payload is not valid JSON')
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new PopupInputError('payload must be a JSON object')
      source = { ...source, ...(parsed as Record<string, unknown>) }
    } else {
      source = { ...source, ...b }
    }
  }
  const str = (name: string): string | undefined => {
    const v = source[name]
    if (v === undefined || v === null || v === '') return undefined
    if (typeof v !== 'string') throw new PopupInputError(`${name} must be a string`)
    return v
  }
  let params = source.connectionParameters
  if (typeof params === 'string') {
    try {
      params = JSON.parse(params)
    } catch {
      throw new PopupInputError('connectionParameters is not valid JSON')
    }
  }
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw new PopupInputError('connectionParameters must be an object')
  }
  const connectionParameters: Record<string, string> = {}
  for (const [k, v] of Object.entries((params ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new PopupInputError(`connectionParameters.${k} must be a string`)
    connectionParameters[k] = String(v)
  }
  const multiple = source.allowMultipleConnections
  const out: PopupParams = { connectionParameters }
  const key = str('integrationKey') ?? str('integrationId')
  for (const [k, v] of Object.entries({
    integrationKey: key,
    connectionId: str('connectionId'),
    name: str('name'),
    authOptionKey: str('authOptionKey'),
    customState: str('customState'),
    token: str('token'),
    redirectUri: str('redirectUri'),
  })) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v
  }
  if (multiple !== undefined) out.allowMultipleConnections = multiple === true || multiple === 'true'
  // The query and form were checked before (http/app.ts); a JSON payload is only decoded here.
  const nul = nulPath(out)
  if (nul !== undefined) throw new PopupInputError(`${nul.slice(1).replaceAll('/', '.')} must not contain NUL (U+0000) characters`)
  return out
}

/**
 * `POST /connection-popup`: connecting without the widget (docs/api.md). The browser arrives with the
 * parameters; the flow runs as in the Connect UI and ends with a redirect to `redirectUri` carrying
 * `connectionId`, or `error` and `errorData`.
 */
/** `/connect/outcome`: the final result message (as the popup posts it), or where the session stands. */
export const ConnectOutcome = Type.Object(
  {
    type: Type.Optional(Type.Literal('patchbay:connect')),
    status: Type.Union(
      ['success', 'error', 'pending', 'expired', 'consumed'].map((s) => Type.Literal(s)),
      {
        description: 'success or error (the outcome, handed out once); pending, expired or consumed (already handed out).',
      },
    ),
    app: Type.Optional(Type.String()),
    connection_id: Type.Optional(Type.String()),
    operation: Type.Optional(Type.Union([Type.Literal('creation'), Type.Literal('reauth')])),
    account_identifier: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    error: Type.Optional(Type.String()),
    error_description: Type.Optional(Type.String()),
    state: Type.Optional(Type.String()),
    nonce: Type.Optional(Type.String()),
    session_id: Type.Optional(Type.String()),
    in_progress: Type.Optional(
      Type.Boolean({
        description: 'pending: a provider authorization is under way (the user is at the provider, or Patchbay is finishing its callback).',
      }),
    ),
  },
  { $id: 'ConnectOutcome', description: "A connect session's result message, or where the session stands." },
)

const popupFields = {
  integrationKey: Type.String({ description: 'The app to connect (its catalog key; `integrationId` is read too).' }),
  token: Type.Optional(Type.String({ description: 'A connect session code (`pbsc_…`) minted for the end user.' })),
  connectionParameters: Type.Optional(
    Type.String({ description: "A JSON object: the app's connection parameters and, to connect without a form, its credential fields." }),
  ),
  connectionId: Type.Optional(Type.String({ description: 'A connection of the end user to reconnect (it keeps its id).' })),
  name: Type.Optional(Type.String({ description: 'Display name of the new connection.' })),
  authOptionKey: Type.Optional(Type.String({ description: "The app's auth option, when it has several." })),
  allowMultipleConnections: Type.Optional(Type.Boolean({ description: "Keep the user's other connections of the app." })),
  customState: Type.Optional(Type.String({ description: 'Handed back with the result.' })),
  redirectUri: Type.Optional(
    Type.String({ description: 'A registered URI the browser returns to, with `connectionId`, or `error` and `errorData`.' }),
  ),
}
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: Type.String() } } })
/** What the document says of `/connection-popup`; the handler checks its input itself (readPopupParams), so no route schema validates it. */
const popupDocs = {
  tags: ['connect'],
  security: [],
  response: {
    200: htmlPage('A Connect UI page: the form to fill in, or the result.'),
    303: {
      type: 'null',
      description: "On to the app's sign-in, or back to `redirectUri` with the result.",
      headers: { Location: Type.String() },
    },
    400: htmlPage('An error page: the parameters are not valid.'),
    ...errorResponses([429]),
  },
}

export const connectionPopupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(cookie)
  const { config } = app.services
  const flow = app.services.connectFlow
  const limit = app.rateLimit({
    max: config.rateLimit.connectPerIp,
    timeWindow: config.rateLimit.windowSeconds * 1000,
    keyGenerator: (req) => `connect:${req.ip}`,
  })

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    let p: PopupParams
    try {
      // Read without a schema on purpose: the documented parameters come in the query, a form field or a
      // JSON body, and readPopupParams checks whichever arrived (docs/api.md, `/connection-popup`).
      p = readPopupParams(req.query as Record<string, unknown>, req.body)
    } catch (err) {
      return respond(app, reply, { kind: 'error', status: 400, title: 'This link is not valid', message: (err as Error).message })
    }
    if (!p.integrationKey || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(p.integrationKey)) {
      return respond(app, reply, { kind: 'error', status: 400, title: 'This link is not valid', message: 'integrationKey is required.' })
    }
    const paramKeys = flow.paramKeys(p.integrationKey)
    const storable = Object.fromEntries(Object.entries(p.connectionParameters ?? {}).filter(([k]) => paramKeys.has(k)))
    const opened = await flow.open(p.token, p.integrationKey, {
      redirectUri: p.redirectUri,
      reconnectId: p.connectionId,
      state: p.customState,
      name: p.name,
      authOption: p.authOptionKey,
      params: storable,
      allowMultiple: p.allowMultipleConnections,
      resultFormat: 'connection_popup',
    })
    if (opened.kind !== 'redirect' || !opened.cookie) return respond(app, reply, opened)
    const secure = config.publicUrl.startsWith('https://')
    reply.setCookie(opened.cookie.name, opened.cookie.value, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 3600 })
    const next = await flow.appPage(
      opened.cookie.sessionId,
      p.integrationKey,
      opened.cookie.value,
      req.ip,
      p.authOptionKey,
      p.connectionParameters,
    )
    return respond(app, reply, next)
  }

  // The browser gets the error page for a request refused before the handler too (e.g. a NUL character, http/app.ts).
  const errorHandler = (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
    if (!err.validation) throw err
    return respond(app, reply, { kind: 'error', status: 400, title: 'This link is not valid', message: err.message })
  }
  const documented = (schema: Record<string, unknown>) => ({
    swaggerTransform: ({ url }: { url: string }) => ({ url, schema: { ...popupDocs, ...schema } }),
  })
  const description =
    'Connecting without the widget (docs/api.md): the browser arrives with the parameters, the Connect UI flow runs, and the browser ' +
    'is sent back to `redirectUri` with `connectionId`, or `error` and `errorData`.'
  app.post(
    '/connection-popup',
    {
      onRequest: limit,
      errorHandler,
      config: documented({
        operationId: 'submitConnectionPopup',
        summary: 'Connect an account without the widget (form post)',
        description: `${description} The parameters come as form fields, a JSON body, a JSON \`payload\` field, or in the query.`,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: Type.Object({
          ...popupFields,
          payload: Type.Optional(Type.String({ description: 'All of the parameters as one JSON object.' })),
        }),
      }),
    },
    handler,
  )
  app.get(
    '/connection-popup',
    {
      onRequest: limit,
      errorHandler,
      config: documented({
        operationId: 'openConnectionPopup',
        summary: 'Connect an account without the widget (link)',
        description,
        querystring: Type.Object(popupFields),
      }),
    },
    handler,
  )

  /**
   * The widget's fallback when its popup lost `window.opener`: the session's outcome, for the code
   * the widget holds, handed out once. CORS is open to the session's allowed origin only.
   */
  app.post(
    '/connect/outcome',
    {
      onRequest: limit,
      schema: {
        operationId: 'getConnectOutcome',
        summary: "A connect session's outcome (widget fallback)",
        description: 'For the session code the widget holds: the final result, handed out once, or where the session stands.',
        tags: ['connect'],
        security: [],
        body: Type.Object({ token: Type.String({ maxLength: 200, description: 'The connect session code.' }) }),
        response: {
          200: ref(ConnectOutcome),
          ...errorResponses([400, 404, 429], { 404: 'No such connect session (`PB_ERR_NOT_FOUND`).' }),
        },
      },
    },
    async (req, reply) => {
      const { token } = req.body
      const result = await app.services.sessions.readOutcome(token)
      if (result.status !== 'not_found' && result.allowedOrigin && req.headers.origin === result.allowedOrigin) {
        reply.header('Access-Control-Allow-Origin', result.allowedOrigin).header('Vary', 'Origin')
      }
      reply.header('Cache-Control', 'no-store')
      switch (result.status) {
        case 'not_found':
          return reply.code(404).send(new PatchbayError('PB_ERR_NOT_FOUND', 'no such connect session').toJSON())
        case 'final':
          return resultMessage(result.session, result.outcome)
        case 'pending':
          return { status: 'pending', in_progress: result.inProgress }
        default:
          return { status: result.status }
      }
    },
  )
}

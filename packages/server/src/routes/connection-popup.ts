import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { resultMessage } from '../connect/flow/results.js'
import { nulPath } from '../http/nul-bytes.js'
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
const OutcomeAnswer = Type.Object({
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
  in_progress: Type.Optional(Type.Boolean({ description: 'pending: the user is at the provider right now.' })),
})
const NotFoundAnswer = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })

export const connectionPopupRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
  const schema = { hide: true }
  app.post('/connection-popup', { onRequest: limit, schema, errorHandler }, handler)
  app.get('/connection-popup', { onRequest: limit, schema, errorHandler }, handler)

  /**
   * The widget's fallback when its popup lost `window.opener`: the session's outcome, for the code
   * the widget holds, handed out once. CORS is open to the session's allowed origin only.
   */
  app.post(
    '/connect/outcome',
    {
      onRequest: limit,
      schema: {
        summary: "A connect session's outcome (widget fallback)",
        tags: ['connect'],
        body: Type.Object({ token: Type.String({ maxLength: 200 }) }),
        response: { 200: OutcomeAnswer, 404: NotFoundAnswer },
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
          return reply.code(404).send({ error: { code: 'PB_ERR_NOT_FOUND', message: 'no such connect session' } })
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

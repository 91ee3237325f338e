import cookie from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { SafeHtml } from '../connect/pages/html.js'
import { newNonce, pageHeaders } from '../connect/pages/csp.js'
import type { ConsoleSession } from '../console/console-auth.js'
import { page, type Section } from '../console/console-layout.js'
import {
  connectionPage,
  connectionsPage,
  loginPage,
  messagePage,
  overviewPage,
  runPage,
  runsPage,
  webhookPage,
  webhooksPage,
} from '../console/console-pages.js'
import type { ConnectionStatus, RunStatus, WebhookEventStatus } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import { randomToken, secretMatches, hashSecret } from '../lib/random.js'

// The operator console (docs/console.md): HTML pages for one partner at a time, no script, the
// Connect UI's strict CSP. Signed in with the partner's client credentials or an operator key;
// the session lives in the database, its cookie is HttpOnly and SameSite=Strict, and every form
// carries the session's CSRF token and is refused from another Origin.

const SESSION_COOKIE = 'pb_console'
const LOGIN_COOKIE = 'pb_console_login'
const hide = { hide: true }

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession: ConsoleSession
  }
}

const Id = Type.String({ minLength: 1, maxLength: 64 })
const Form = Type.Object({ csrf: Type.Optional(Type.String({ maxLength: 128 })) })
const ConnectionQuery = Type.Object({
  app: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.String({ maxLength: 32 })),
  tenant_id: Type.Optional(Type.String({ maxLength: 200 })),
  user_id: Type.Optional(Type.String({ maxLength: 200 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
})
const RunQuery = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 32 })),
  app: Type.Optional(Type.String({ maxLength: 64 })),
  connection_id: Type.Optional(Type.String({ maxLength: 64 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
})
const WebhookQuery = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 32 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
})

const CONNECTION_STATUSES = new Set(['active', 'needs_reauth', 'error'])
const RUN_STATUSES = new Set(['queued', 'running', 'waiting', 'succeeded', 'failed', 'canceled', 'timed_out', 'requires_action'])
const EVENT_STATUSES = new Set(['pending', 'delivering', 'succeeded', 'failed', 'skipped'])
const APP_KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/

/** A filter value, or undefined when empty or not one the list knows (a bad filter shows everything, not an error). */
const pick = (value: string | undefined, known: (v: string) => boolean) => (value && known(value) ? value : undefined)

export const consoleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(cookie)
  const { services } = app
  const { config } = services
  const secure = () => config.publicUrl.startsWith('https:')
  const publicOrigin = () => new URL(config.publicUrl).origin

  function send(
    reply: FastifyReply,
    status: number,
    title: string,
    body: SafeHtml,
    session: ConsoleSession | null,
    section: Section | null,
    partnerName: string,
  ) {
    const nonce = newNonce()
    return (
      reply
        .code(status)
        // same-origin, not no-referrer: with no-referrer the browser sends `Origin: null` on the console's own forms.
        .headers({ ...pageHeaders(nonce, []), 'Referrer-Policy': 'same-origin' })
        .send(page({ nonce, title, partnerName, section, csrfToken: session?.csrfToken ?? null }, body))
    )
  }

  async function partnerName(session: ConsoleSession): Promise<string> {
    return (await services.partners.get(session.partnerId))?.name ?? session.partnerId
  }

  async function show(req: FastifyRequest, reply: FastifyReply, title: string, section: Section | null, body: SafeHtml, status = 200) {
    return send(reply, status, title, body, req.consoleSession, section, await partnerName(req.consoleSession))
  }

  /** Forms come from the console itself: same Origin (when the browser says), and the session's token. */
  function checkForm(req: FastifyRequest, token: string | undefined, expected: string): void {
    const origin = req.headers.origin
    if (origin !== undefined && origin !== publicOrigin())
      throw new PatchbayError('PB_ERR_FORBIDDEN', 'this form was sent from another site')
    if (!token || !secretMatches(token, hashSecret(expected)))
      throw new PatchbayError('PB_ERR_FORBIDDEN', 'this form has expired; reload the page and try again')
  }

  // Errors as pages (a 404 for another partner's id, as for an unknown one), never JSON.
  app.setErrorHandler(async (error, req, reply) => {
    const err = error as Error & { validation?: unknown; statusCode?: number }
    const known = err instanceof PatchbayError
    // Fastify's own client errors (a body it cannot parse, too large, of another type) keep their status.
    const clientError = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : undefined
    const status = known ? err.status : err.validation ? 400 : (clientError ?? 500)
    if (status >= 500) req.log.error({ err }, 'console page failed')
    const message = known || status === 400 ? err.message : 'Something went wrong; the error is in the server log.'
    const session = req.consoleSession ?? null
    const body = messagePage(status === 404 ? 'Not found' : status === 403 ? 'Refused' : 'Error', message, {
      href: '/console',
      label: 'Back to the overview',
    })
    return send(reply, status, 'Error', body, session, null, session ? await partnerName(session) : 'Console')
  })

  app.get('/console/login', { schema: hide }, async (_req, reply) => {
    const csrf = randomToken('')
    reply.setCookie(LOGIN_COOKIE, csrf, { path: '/console', httpOnly: true, sameSite: 'strict', secure: secure(), maxAge: 3600 })
    return send(reply, 200, 'Sign in', loginPage({ csrf }), null, null, 'Console')
  })

  app.post(
    '/console/login',
    {
      schema: {
        ...hide,
        body: Type.Object({
          csrf: Type.Optional(Type.String({ maxLength: 128 })),
          client_id: Type.Optional(Type.String({ maxLength: 256 })),
          client_secret: Type.Optional(Type.String({ maxLength: 256 })),
          operator_key: Type.Optional(Type.String({ maxLength: 256 })),
        }),
      },
    },
    async (req, reply) => {
      const body = req.body
      checkForm(req, body.csrf, req.cookies[LOGIN_COOKIE] ?? '')
      const again = (status: number, error: string) => {
        const csrf = randomToken('')
        reply.setCookie(LOGIN_COOKIE, csrf, { path: '/console', httpOnly: true, sameSite: 'strict', secure: secure(), maxAge: 3600 })
        return send(reply, status, 'Sign in', loginPage({ csrf, error }), null, null, 'Console')
      }
      // Guessing is bounded per client IP, like the operator API (docs/console.md, "Signing in").
      const windowMs = config.rateLimit.windowSeconds * 1000
      const hit = await services.rateLimits.hit(`console-login:${req.ip}`, windowMs)
      if (hit.count > config.console.loginAttemptsPerWindow) {
        reply.header('Retry-After', String(Math.max(1, Math.ceil((hit.resetAt - Date.now()) / 1000))))
        return again(429, 'Too many sign-in attempts from this address; wait a minute and try again.')
      }
      const key = body.operator_key?.trim()
      const signedIn = key
        ? await services.consoleAuth.signIn({ operatorKey: key })
        : body.client_id && body.client_secret
          ? await services.consoleAuth.signIn({ clientId: body.client_id.trim(), clientSecret: body.client_secret })
          : undefined
      if (!signedIn) return again(401, 'Those credentials were not accepted.')
      reply.clearCookie(LOGIN_COOKIE, { path: '/console' })
      reply.setCookie(SESSION_COOKIE, signedIn.cookie, {
        path: '/console',
        httpOnly: true,
        sameSite: 'strict',
        secure: secure(),
        maxAge: Math.floor(config.console.sessionTtlSeconds),
      })
      return reply.redirect('/console', 303)
    },
  )

  // Every other console page needs a session.
  await app.register(async (scope) => {
    const signedIn = scope.withTypeProvider<TypeBoxTypeProvider>()
    signedIn.addHook('onRequest', async (req, reply) => {
      const session = await services.consoleAuth.session(req.cookies[SESSION_COOKIE])
      if (!session) return reply.redirect('/console/login', 303)
      req.consoleSession = session
    })

    signedIn.post('/console/logout', { schema: { ...hide, body: Form } }, async (req, reply) => {
      checkForm(req, req.body.csrf, req.consoleSession.csrfToken)
      await services.consoleAuth.signOut(req.cookies[SESSION_COOKIE] as string)
      reply.clearCookie(SESSION_COOKIE, { path: '/console' })
      return reply.redirect('/console/login', 303)
    })

    signedIn.get('/console', { schema: hide }, async (req, reply) => {
      const data = await services.console.overview(req.consoleSession.partnerId)
      return show(req, reply, 'Overview', 'overview', overviewPage(data))
    })

    signedIn.get('/console/connections', { schema: { ...hide, querystring: ConnectionQuery } }, async (req, reply) => {
      const q = req.query
      const filters = {
        app: pick(q.app, (v) => APP_KEY.test(v)),
        status: pick(q.status, (v) => CONNECTION_STATUSES.has(v)) as ConnectionStatus | undefined,
        tenant_id: q.tenant_id || undefined,
        user_id: q.user_id || undefined,
      }
      const listed = await services.console.listConnections(req.consoleSession.partnerId, {
        ...(filters.app ? { app: filters.app } : {}),
        ...(filters.status ? { status: filters.status } : {}),
        ...(filters.tenant_id ? { tenantId: filters.tenant_id } : {}),
        ...(filters.user_id ? { userId: filters.user_id } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      })
      return show(req, reply, 'Connections', 'connections', connectionsPage({ rows: listed.data, filters, nextCursor: listed.nextCursor }))
    })

    signedIn.get(
      '/console/connections/find',
      { schema: { ...hide, querystring: Type.Object({ id: Type.Optional(Type.String({ maxLength: 64 })) }) } },
      async (req, reply) => {
        const id = req.query.id?.trim() ?? ''
        return reply.redirect(id ? `/console/connections/${encodeURIComponent(id)}` : '/console/connections', 303)
      },
    )

    signedIn.get('/console/connections/:id', { schema: { ...hide, params: Type.Object({ id: Id }) } }, async (req, reply) => {
      const detail = await services.console.connection(req.consoleSession.partnerId, req.params.id)
      return show(
        req,
        reply,
        `Connection ${req.params.id}`,
        'connections',
        connectionPage({ ...detail, csrf: req.consoleSession.csrfToken }),
      )
    })

    signedIn.post(
      '/console/connections/:id/reauth-link',
      { schema: { ...hide, params: Type.Object({ id: Id }), body: Form } },
      async (req, reply) => {
        checkForm(req, req.body.csrf, req.consoleSession.csrfToken)
        const { partnerId } = req.consoleSession
        const reauthLink = await services.console.reauthLink(partnerId, req.params.id)
        const detail = await services.console.connection(partnerId, req.params.id)
        return show(
          req,
          reply,
          `Connection ${req.params.id}`,
          'connections',
          connectionPage({ ...detail, csrf: req.consoleSession.csrfToken, reauthLink }),
        )
      },
    )

    signedIn.post(
      '/console/connections/:id/delete',
      { schema: { ...hide, params: Type.Object({ id: Id }), body: Form } },
      async (req, reply) => {
        checkForm(req, req.body.csrf, req.consoleSession.csrfToken)
        await services.console.deleteConnection(req.consoleSession.partnerId, req.params.id, req.consoleSession.actor)
        return show(
          req,
          reply,
          'Connection deleted',
          'connections',
          messagePage('Connection deleted', `Connection ${req.params.id} was deleted (and revoked at the provider where it can be).`, {
            href: '/console/connections',
            label: 'Back to connections',
          }),
        )
      },
    )

    signedIn.get('/console/runs', { schema: { ...hide, querystring: RunQuery } }, async (req, reply) => {
      const q = req.query
      const filters = {
        status: pick(q.status, (v) => RUN_STATUSES.has(v)),
        app: pick(q.app, (v) => APP_KEY.test(v)),
        connection_id: q.connection_id || undefined,
      }
      const listed = await services.console.listRuns(req.consoleSession.partnerId, {
        status: filters.status as RunStatus | undefined,
        app: filters.app,
        connectionId: filters.connection_id,
        cursor: q.cursor || undefined,
        limit: 50,
      })
      return show(req, reply, 'Runs', 'runs', runsPage({ rows: listed.rows, filters, nextCursor: listed.nextCursor }))
    })

    signedIn.get('/console/runs/:id', { schema: { ...hide, params: Type.Object({ id: Id }) } }, async (req, reply) => {
      const { run, logs } = await services.console.run(req.consoleSession.partnerId, req.params.id)
      const retryable = services.console.retryable(run)
      return show(req, reply, `Run ${run.id}`, 'runs', runPage({ run, logs, csrf: req.consoleSession.csrfToken, retryable }))
    })

    signedIn.post('/console/runs/:id/retry', { schema: { ...hide, params: Type.Object({ id: Id }), body: Form } }, async (req, reply) => {
      checkForm(req, req.body.csrf, req.consoleSession.csrfToken)
      const created = await services.console.retryRun(req.consoleSession.partnerId, req.params.id, req.consoleSession.actor)
      return reply.redirect(`/console/runs/${encodeURIComponent(created.id)}`, 303)
    })

    signedIn.get('/console/webhooks', { schema: { ...hide, querystring: WebhookQuery } }, async (req, reply) => {
      const status = pick(req.query.status, (v) => EVENT_STATUSES.has(v)) as WebhookEventStatus | undefined
      const { partnerId } = req.consoleSession
      const listed = await services.webhookEvents.list(partnerId, {
        ...(status ? { status } : {}),
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
        limit: 50,
      })
      const partner = await services.partners.get(partnerId)
      return show(
        req,
        reply,
        'Webhooks',
        'webhooks',
        webhooksPage({ events: listed.data, status, webhookUrl: partner?.webhookUrl ?? null, nextCursor: listed.next_cursor }),
      )
    })

    signedIn.get('/console/webhooks/:id', { schema: { ...hide, params: Type.Object({ id: Id }) } }, async (req, reply) => {
      const event = await services.webhookEvents.get(req.consoleSession.partnerId, req.params.id)
      if (!event) throw new PatchbayError('PB_ERR_NOT_FOUND', `webhook event ${req.params.id} not found`)
      return show(req, reply, `Event ${event.id}`, 'webhooks', webhookPage({ event, csrf: req.consoleSession.csrfToken }))
    })

    signedIn.post(
      '/console/webhooks/:id/redeliver',
      { schema: { ...hide, params: Type.Object({ id: Id }), body: Form } },
      async (req, reply) => {
        checkForm(req, req.body.csrf, req.consoleSession.csrfToken)
        await services.webhookEvents.redeliver(req.consoleSession.partnerId, req.params.id)
        return reply.redirect(`/console/webhooks/${encodeURIComponent(req.params.id)}`, 303)
      },
    )
  })
}

import cookie from '@fastify/cookie'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { readFile } from 'node:fs/promises'
import { Type } from '@sinclair/typebox'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { authOptionLabel } from '../catalog/app-directory.js'
import type { App, AuthOption } from '../catalog/app-schema.js'
import type { Catalog } from '../catalog/load-catalog.js'
import { connectionParamsFor } from '../catalog/template.js'
import { type FlowStep, type OpenRequest, sessionCookieName } from '../connect/flow/connect-flow.js'
import { resultMessage, returnUrlFor } from '../connect/flow/results.js'
import {
  type AppSummary,
  type FormOption,
  newNonce,
  type PageContext,
  pageHeaders,
  renderAppForm,
  renderError,
  renderPicker,
  renderRedirecting,
  renderResult,
  renderSessionProblem,
} from '../connect/pages/index.js'
import type { Partner } from '../partners/partner-store.js'
import type { ActiveSession } from '../connect/sessions/connect-sessions.js'

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
const AppKey = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' })

const OpenQuery = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 200 })),
  // Any length: a name that is no configured theme falls back to the default (the flow checks).
  theme: Type.Optional(Type.String({ maxLength: 2048 })),
  redirect_uri: Type.Optional(Type.String({ maxLength: 2048 })),
  reconnect_id: Type.Optional(Type.String({ maxLength: 100 })),
  state: Type.Optional(Type.String({ maxLength: 2048 })),
  nonce: Type.Optional(Type.String({ maxLength: 128 })),
  mode: Type.Optional(Type.Union([Type.Literal('popup'), Type.Literal('redirect')])),
  // Headless connect (docs/connect-links.md): the option and connection parameters chosen through the API.
  auth_option: Type.Optional(AppKey),
  params: Type.Optional(Type.String({ maxLength: 4096 })),
})
type OpenQuery = typeof OpenQuery.static

/** Custom apps from the config file have no logo file: the page shows a letter tile instead. */
function summarize(catalog: Pick<Catalog, 'logoPath'>) {
  return (app: App): AppSummary => ({
    key: app.key,
    name: app.name,
    logoUrl: catalog.logoPath(app.key) ? `/assets/apps/${app.key}.svg` : '',
    description: app.description,
    categories: app.categories,
  })
}

function pageContext(nonce: string, partner: Partner | undefined, session?: ActiveSession): PageContext {
  const branding = partner?.branding ?? {}
  const themeName = session?.context.theme ?? null
  const named = themeName ? branding.themes?.[themeName] : undefined
  const mode =
    named?.mode ?? (themeName === 'light' || themeName === 'dark' || themeName === 'auto' ? themeName : (branding.mode ?? 'auto'))
  const logoUrl = named?.logoUrl ?? branding.logoUrl
  const brandColor = named?.brandColor ?? branding.brandColor
  return {
    nonce,
    branding: {
      partnerName: branding.displayName ?? partner?.name ?? '',
      mode,
      ...(logoUrl ? { logoUrl } : {}),
      ...(brandColor ? { brandColor } : {}),
    },
  }
}

function formOptions(
  sessionId: string,
  app: App,
  options: AuthOption[],
  values: Record<string, string>,
  errors: Record<string, string>,
): FormOption[] {
  return options.map((option) => {
    const fields = [...connectionParamsFor(app, option), ...('credential_fields' in option ? option.credential_fields : [])]
    const redirects = option.type === 'oauth2' || option.type === 'oauth1'
    return {
      key: option.key,
      label: authOptionLabel(option),
      type: option.type,
      action: `/connect/${sessionId}/${app.key}`,
      fields: fields.map((f) => ({
        ...f,
        ...(values[f.key] !== undefined ? { value: values[f.key] } : {}),
        ...(errors[f.key] ? { error: errors[f.key] } : {}),
      })),
      submitLabel: redirects ? `Continue to ${app.name}` : 'Connect',
      hidden: { auth_option: option.key },
    }
  })
}

/** A partner logo on its own https host may load; nothing else from outside. */
function imagePolicy(ctx: PageContext): { imgSrc: string[] } {
  const logo = ctx.branding.logoUrl
  return { imgSrc: logo?.startsWith('https://') ? [new URL(logo).origin] : [] }
}

const GENERIC_APP: AppSummary = { key: 'app', name: 'the app', logoUrl: '', description: '', categories: [] }

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer')
}

/**
 * Renders or redirects for a flow step. Pages carry a strict CSP and no-referrer; nothing is cached.
 * After a form POST, a redirect to another origin would be blocked by `form-action 'self'`, so the
 * browser is sent on by the "redirecting" page instead.
 */
export function respond(
  app: { services: { config: { publicUrl: string }; catalog: Pick<Catalog, 'logoPath'> } },
  reply: FastifyReply,
  step: FlowStep,
  /** The picker's search form, when the request carried one. */
  search?: { q?: string | undefined; category?: string | undefined },
): FastifyReply {
  const { publicUrl } = app.services.config
  const summary = summarize(app.services.catalog)
  const viaPost = reply.request.method === 'POST' && reply.request.url.startsWith('/connect/')
  const crossOrigin = (url: string) => /^https?:\/\//i.test(url) && new URL(url).origin !== new URL(publicUrl).origin
  let redirect: { url: string; app: App | undefined } | undefined
  if (step.kind === 'redirect') {
    if (step.cookie) {
      const secure = publicUrl.startsWith('https://')
      reply.setCookie(step.cookie.name, step.cookie.value, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 3600 })
    }
    redirect = { url: step.url, app: undefined }
  } else if (step.kind === 'result' && step.session.context.mode === 'redirect') {
    reply.clearCookie(sessionCookieName(step.session.id), { path: '/' })
    const target = returnUrlFor(step.session, step.outcome)
    if (target) redirect = { url: target, app: step.app }
  }
  const nonce = newNonce()
  const partner = 'partner' in step ? step.partner : undefined
  const session = 'session' in step ? step.session : undefined
  const ctx = pageContext(nonce, partner, session)
  // A page answering a URL with a query (a session code, connection parameters, an OAuth code)
  // takes it out of the address bar and history (docs/security.md, docs/connect-ui.md); the form's own
  // URL reloads it, any other page keeps only its path.
  const [path, query] = reply.request.url.split('?', 2) as [string, string | undefined]
  if (query !== undefined) ctx.replaceUrl = step.kind === 'form' ? `/connect/${step.session.id}/${step.app.key}` : path
  if (step.kind === 'result' && step.failure) {
    reply.log.warn({ failure: step.failure, app: step.app?.key, session: step.session.id }, 'connect flow failed')
  }
  if (redirect) {
    if (!(viaPost && crossOrigin(redirect.url))) return noStore(reply).redirect(redirect.url, 303)
    const body = renderRedirecting(ctx, { app: redirect.app ? summary(redirect.app) : GENERIC_APP, url: redirect.url })
    return reply.headers(pageHeaders(nonce, partner?.allowedOrigins ?? [], imagePolicy(ctx))).send(body)
  }
  let status = 200
  let body = ''
  switch (step.kind) {
    case 'problem':
      status = step.reason === 'not_found' ? 404 : 410
      body = renderSessionProblem(ctx, { reason: step.reason })
      break
    case 'error':
      status = step.status
      body = renderError(ctx, { title: step.title, message: step.message, ...(step.app ? { app: summary(step.app) } : {}) })
      break
    case 'picker':
      body = renderPicker(ctx, {
        apps: step.apps.map(summary),
        hrefFor: (key) => `/connect/${step.session.id}/${key}`,
        searchAction: `/connect/${step.session.id}`,
        ...(search?.q ? { q: search.q } : {}),
        ...(search?.category ? { category: search.category } : {}),
      })
      break
    case 'form':
      status = step.status
      body = renderAppForm(ctx, {
        app: summary(step.app),
        options: formOptions(step.session.id, step.app, step.options, step.state.values, step.state.errors),
        ...(step.state.formError ? { formError: step.state.formError } : {}),
        ...(step.state.selected ? { selectedOption: step.state.selected } : {}),
      })
      break
    case 'redirecting':
      body = renderRedirecting(ctx, { app: summary(step.app), url: step.url })
      break
    case 'redirect':
      break
    case 'result': {
      // The flow is over: the browser no longer needs the session's cookie.
      reply.clearCookie(sessionCookieName(step.session.id), { path: '/' })
      const ok = step.outcome.status === 'success'
      const name = step.app?.name ?? 'the app'
      body = renderResult(ctx, {
        ...(step.app ? { app: summary(step.app) } : {}),
        message: resultMessage(step.session, step.outcome),
        targetOrigin: step.session.allowedOrigin,
        title: ok ? (step.outcome.operation === 'reauth' ? `${name} reconnected` : `${name} connected`) : `Could not connect ${name}`,
        detail: ok
          ? step.outcome.account_identifier
            ? `Connected as ${step.outcome.account_identifier}.`
            : 'Your account is connected.'
          : (step.outcome.error_description ?? 'Something went wrong.'),
      })
      break
    }
  }
  return (
    reply
      .code(status)
      // The partner's logo (on its own https host) shows on every page of the flow, not only the first.
      .headers(pageHeaders(nonce, partner?.allowedOrigins ?? [], imagePolicy(ctx)))
      .send(body)
  )
}

/** `params` of a headless start URL: a JSON object of strings, else nothing (the form then asks). */
function paramsOf(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined
  try {
    const value: unknown = JSON.parse(raw)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
    const entries = Object.entries(value as Record<string, unknown>)
    return entries.every(([, v]) => typeof v === 'string') ? Object.fromEntries(entries as Array<[string, string]>) : undefined
  } catch {
    return undefined
  }
}

/**
 * `keys`: the app's connection parameters. Anything else in `params` (a credential field above all)
 * is dropped: the session's context is stored as plain JSON, and credentials are only ever stored
 * encrypted (docs/security.md); `/connection-popup` filters the same way.
 */
function openRequest(q: OpenQuery, keys: ReadonlySet<string>): OpenRequest {
  const given = paramsOf(q.params)
  const kept = given ? Object.entries(given).filter(([k]) => keys.has(k)) : []
  const params = kept.length > 0 ? Object.fromEntries(kept) : undefined
  return {
    theme: q.theme,
    redirectUri: q.redirect_uri,
    reconnectId: q.reconnect_id,
    state: q.state,
    nonce: q.nonce,
    mode: q.mode,
    ...(q.auth_option ? { authOption: q.auth_option } : {}),
    ...(params ? { params } : {}),
  }
}

function cookiesOf(req: FastifyRequest): Record<string, string | undefined> {
  return req.cookies as Record<string, string | undefined>
}

/**
 * Same-origin form posts only. Pages send `Referrer-Policy: no-referrer`, so browsers send
 * `Origin: null` on their own form posts; `Sec-Fetch-Site` tells where the post came from. Behind
 * both, the session cookie is SameSite=Lax: a cross-site post never carries it.
 */
function checkOrigin(req: FastifyRequest, publicUrl: string): boolean {
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return false
  const origin = req.headers.origin
  return origin === undefined || origin === 'null' || origin === new URL(publicUrl).origin
}

/** The hosted Connect UI: opening with a session code, the picker, forms, OAuth callbacks. */
export const connectUiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Cookies only where a page uses them: registered on the root, their hooks ran on every API call (BENCHMARKS.md, "Instructions per request").
  await app.register(cookie)
  const { config } = app.services
  const flow = app.services.connectFlow
  const codeLimit = app.rateLimit({
    max: config.rateLimit.connectPerIp,
    timeWindow: config.rateLimit.windowSeconds * 1000,
    keyGenerator: (req) => `connect:${req.ip}`,
  })
  const hide = { hide: true }

  // A malformed link (an app key or a query value the schema refuses) is a Connect UI page like any
  // other error; everything else goes on to the app's error handler.
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (!err.validation) throw err
    const unknownApp = err.validationContext === 'params'
    return respond(app, reply, {
      kind: 'error',
      status: unknownApp ? 404 : 400,
      title: unknownApp ? 'App not available' : 'This link is not valid',
      message: unknownApp ? 'This app is not available.' : 'The link may be incomplete or may have been changed.',
    })
  })

  app.get(
    '/to/:app',
    { onRequest: codeLimit, schema: { ...hide, params: Type.Object({ app: AppKey }), querystring: OpenQuery } },
    async (req, reply) => {
      const { app: appKey } = req.params
      const q = req.query
      return respond(app, reply, await flow.open(q.token, appKey, openRequest(q, flow.paramKeys(appKey))))
    },
  )

  // A connect link (docs/connect-links.md): the first visit binds the link's session to this browser.
  app.get(
    '/link',
    { onRequest: codeLimit, schema: { ...hide, querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) }) } },
    async (req, reply) => respond(app, reply, await flow.openLink(req.query.token, cookiesOf(req))),
  )

  app.get('/connect', { onRequest: codeLimit, schema: { ...hide, querystring: OpenQuery } }, async (req, reply) => {
    const q = req.query
    return respond(app, reply, await flow.open(q.token, null, openRequest(q, new Set())))
  })

  app.get(
    '/connect/:session',
    {
      schema: {
        ...hide,
        params: Type.Object({ session: Id }),
        // The picker's search form (docs/connect-ui.md, "Picker"); empty values mean "all". Anything a
        // hand-edited address brings (a repeated parameter, an unknown category, a long text) is
        // narrowed or ignored below: a search box never answers an error page.
        querystring: Type.Object({
          q: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
          category: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
        }),
      },
    },
    async (req, reply) => {
      const { session } = req.params
      const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)
      const q = first(req.query.q)?.slice(0, 100)
      const category = first(req.query.category)
      const search = { q, category: category !== undefined && /^[a-z0-9-]{1,64}$/.test(category) ? category : undefined }
      return respond(app, reply, await flow.picker(session, cookiesOf(req)[sessionCookieName(session)]), search)
    },
  )

  app.get(
    '/connect/:session/:app',
    { schema: { ...hide, params: Type.Object({ session: Id, app: AppKey }), querystring: Type.Object({ option: Type.Optional(AppKey) }) } },
    async (req, reply) => {
      const { session, app: appKey } = req.params
      const { option } = req.query
      return respond(app, reply, await flow.appPage(session, appKey, cookiesOf(req)[sessionCookieName(session)], req.ip, option))
    },
  )

  app.post(
    '/connect/:session/:app',
    {
      schema: {
        ...hide,
        params: Type.Object({ session: Id, app: AppKey }),
        body: Type.Record(Type.String(), Type.String({ maxLength: 4096 })),
      },
    },
    async (req, reply) => {
      const { session, app: appKey } = req.params
      if (!checkOrigin(req, config.publicUrl)) {
        return respond(app, reply, {
          kind: 'error',
          status: 403,
          title: 'Request refused',
          message: 'The form was sent from another site.',
        })
      }
      return respond(app, reply, await flow.submit(session, appKey, cookiesOf(req)[sessionCookieName(session)], req.body, req.ip))
    },
  )

  app.get('/oauth2/callback/:app', { schema: { ...hide, params: Type.Object({ app: AppKey }) } }, async (req, reply) => {
    const { app: appKey } = req.params
    // No query schema: a provider's answer may carry any parameter; the flow reads the ones it knows.
    return respond(app, reply, await flow.oauth2Callback(appKey, req.query as Record<string, unknown>, cookiesOf(req)))
  })

  app.get('/oauth1/callback/:app', { schema: { ...hide, params: Type.Object({ app: AppKey }) } }, async (req, reply) => {
    const { app: appKey } = req.params
    return respond(app, reply, await flow.oauth1Callback(appKey, req.query as Record<string, unknown>, cookiesOf(req)))
  })

  // App logos for the Connect UI.
  app.get(
    '/assets/apps/:file',
    { schema: { ...hide, params: Type.Object({ file: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}\\.svg$' }) }) } },
    async (req, reply) => {
      const key = req.params.file.replace(/\.svg$/, '')
      const path = app.services.catalog.logoPath(key)
      if (!path) return reply.code(404).send({ error: { code: 'PB_ERR_NOT_FOUND', message: 'no such logo' } })
      return reply
        .header('Content-Type', 'image/svg+xml')
        .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
        .header('X-Content-Type-Options', 'nosniff')
        .header('Cache-Control', 'public, max-age=86400')
        .send(await readFile(path))
    },
  )
}

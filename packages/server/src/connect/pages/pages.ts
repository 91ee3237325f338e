import { type FormField, isSecretField, renderField } from './fields.js'
import { type HtmlValue, html, isOrigin, jsonScriptContent, raw, type SafeHtml, safeUrl } from './html.js'
import { type AppSummary, layout, logo, type PageContext, partnerLabel } from './layout.js'

export interface FormOption {
  /** The auth option key; also prefixes the ids of its inputs. */
  key: string
  label: string
  /** The auth option type (`api_key`, `basic`, `oauth2` with connection parameters, …). */
  type: string
  /** POST URL (same origin). */
  action: string
  fields: FormField[]
  submitLabel: string
  /** Hidden inputs (e.g. a CSRF token, the auth option key). */
  hidden?: Record<string, string>
}

export interface ResultMessage {
  type: 'patchbay:connect'
  status: 'success' | 'error'
  connection_id?: string
  app: string
  operation?: 'creation' | 'reauth'
  account_identifier?: string | null
  /** The partner's custom state, returned as given. */
  state?: string
  error?: string
  error_description?: string
  nonce: string
  session_id: string
}

export type SessionProblem = 'expired' | 'used' | 'invalid' | 'not_found'

const ICONS = {
  ok: raw('<svg class="ic" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10"/><path d="m7.5 12.5 3 3 6-7"/></svg>'),
  error: raw('<svg class="ic e" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10"/><path d="M12 7v6m0 3.5v.5"/></svg>'),
  clock: raw('<svg class="ic w" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10"/><path d="M12 7v5l3 2"/></svg>'),
  link: raw(
    '<svg class="ic w" viewBox="0 0 24 24" aria-hidden="true"><path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1m2 7.4-1 1a4 4 0 0 1-5.7-5.7l3-3a4 4 0 0 1 5.7 0M4 4l16 16"/></svg>',
  ),
  spin: raw('<svg class="ic spin" viewBox="0 0 24 24" aria-hidden="true"><path d="M21 12a9 9 0 1 1-6.2-8.6"/></svg>'),
} as const

/** The page head: the app logo (with `icon` as a badge on it), or `icon` alone, then the one <h1> and a subtitle. */
function appHeader(app: AppSummary | undefined, h1: string, sub: HtmlValue, icon?: SafeHtml): SafeHtml {
  const art = app ? (icon ? html`<div class="bdg">${logo(app.logoUrl, app.name)}${icon}</div>` : logo(app.logoUrl, app.name)) : icon
  return html`<div class="hd">${art}<h1>${h1}</h1>${sub && html`<p class="mut">${sub}</p>`}</div>`
}

/** Above this many apps the picker offers a search box and a category filter. */
const SEARCH_FROM = 9

/**
 * The app picker: a grid of big links, one per app. `hrefFor` must return http(s) URLs or same-origin paths. With
 * many apps, a search form (a plain GET to `searchAction`: no script) narrows the grid by words and category.
 */
export function renderPicker(
  ctx: PageContext,
  p: { apps: AppSummary[]; hrefFor: (appKey: string) => string; searchAction?: string; q?: string; category?: string },
): string {
  const partner = ctx.branding.partnerName.trim()
  const words = (p.q ?? '').toLowerCase().split(/\s+/).filter(Boolean)
  const category = p.category ?? ''
  const shown = p.apps.filter(
    (app) =>
      (category === '' || app.categories.includes(category)) &&
      words.every((w) => `${app.key} ${app.name} ${app.description}`.toLowerCase().includes(w)),
  )
  const items = shown.map(
    (app) =>
      html`<li><a class="app" href="${safeUrl(p.hrefFor(app.key), `hrefFor(${JSON.stringify(app.key)})`)}">${logo(app.logoUrl, app.name, 'lg', true)}<b>${app.name}</b>${app.description && html`<small>${app.description}</small>`}</a></li>`,
  )
  const searchable = p.searchAction !== undefined && p.apps.length >= SEARCH_FROM
  const categories = [...new Set(p.apps.flatMap((app) => app.categories))].sort()
  const search = searchable
    ? html`<form class="srch" method="get" action="${safeUrl(p.searchAction as string, 'searchAction')}" role="search">
<label class="vh" for="pb-q">Search apps</label><div class="in"><input id="pb-q" name="q" type="search" value="${p.q ?? ''}" placeholder="Search ${p.apps.length} apps" autocomplete="off" maxlength="100"></div>
<label class="vh" for="pb-cat">Category</label><select id="pb-cat" name="category"><option value="">All categories</option>${categories.map((c) => html`<option value="${c}"${c === category && raw(' selected')}>${categoryLabel(c)}</option>`)}</select>
<button class="btn" type="submit">Search</button>
</form>
<p class="mut sm" role="status">${shown.length === p.apps.length ? `${p.apps.length} apps` : `${shown.length} of ${p.apps.length} apps`}</p>`
    : ''
  const empty =
    p.apps.length === 0
      ? html`<p class="alert" role="status">No apps are available for this link. Go back to ${partnerLabel(ctx.branding)} and try again.</p>`
      : html`<p class="mut">No app matches. Try other words or all categories.</p>`
  const body = html`<div class="hd"><h1>Connect an app</h1><p class="mut">${partner ? `Choose the account to connect to ${partner}.` : 'Choose the account to connect.'}</p></div>
${search}${items.length > 0 ? html`<ul class="grid">${items}</ul>` : empty}`
  return layout(ctx, { title: 'Connect an app', body, wide: p.apps.length > 2 })
}

/** "developer-tools" as "Developer tools". */
function categoryLabel(key: string): string {
  const words = key.replace(/-/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function renderOptionForm(option: FormOption): SafeHtml {
  const hidden = Object.entries(option.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)
  return html`<form method="post" action="${safeUrl(option.action, `options[${JSON.stringify(option.key)}].action`)}">${hidden}
${option.fields.map((f) => renderField(option.key, f))}
<button class="btn" type="submit">${option.submitLabel}</button>
</form>`
}

/**
 * The form step: API keys, basic credentials, connection parameters. One option renders one form; several render
 * one disclosure each (`<details name>`, so opening one closes the others), the selected one (or the first) open.
 */
export function renderAppForm(
  ctx: PageContext,
  p: { app: AppSummary; options: FormOption[]; formError?: string; selectedOption?: string },
): string {
  const { app, options } = p
  if (options.length === 0) throw new TypeError('options must list at least one auth option')
  const partner = ctx.branding.partnerName.trim()
  const sub = partner ? `${partner} will be able to use your ${app.name} account.` : `Sign in to your ${app.name} account.`
  const selected = options.some((o) => o.key === p.selectedOption) ? p.selectedOption : options[0]?.key
  const hasSecret = options.some((o) => o.fields.some(isSecretField))
  const forms =
    options.length === 1
      ? renderOptionForm(options[0]!)
      : html`<p class="mut sm">Choose how to connect:</p>
${options.map((o) => html`<details name="pb-auth"${o.key === selected && raw(' open')}><summary>${o.label}</summary>${renderOptionForm(o)}</details>`)}`
  const body = html`${appHeader(app, `Connect ${app.name}`, sub)}
${p.formError && html`<div class="alert" role="alert">${p.formError}</div>`}
${forms}
${hasSecret && html`<p class="foot">Your credentials are encrypted and never shown to ${partnerLabel(ctx.branding)}.</p>`}`
  return layout(ctx, { title: `Connect ${app.name}`, body })
}

/** "Redirecting to <app>…": a meta refresh plus a visible link; no script. `url` must be http(s) or a same-origin path. */
export function renderRedirecting(ctx: PageContext, p: { app: AppSummary; url: string }): string {
  const url = safeUrl(p.url, 'url')
  const body = html`${appHeader(undefined, `Redirecting to ${p.app.name}…`, 'If nothing happens, use the button below.', ICONS.spin)}
<a class="btn" href="${url}">Continue to ${p.app.name}</a>`
  return layout(ctx, {
    title: `Redirecting to ${p.app.name}`,
    head: html`<meta http-equiv="refresh" content="0;url=${url}">\n`,
    body,
  })
}

/** Only the fields of the message shape, so nothing else can ride along to the opener. */
function messageFields(m: ResultMessage): ResultMessage {
  const out: ResultMessage = { type: 'patchbay:connect', status: m.status, app: m.app, nonce: m.nonce, session_id: m.session_id }
  if (m.connection_id !== undefined) out.connection_id = m.connection_id
  if (m.operation !== undefined) out.operation = m.operation
  if (m.account_identifier !== undefined) out.account_identifier = m.account_identifier
  if (typeof m.state === 'string') out.state = m.state
  if (m.error !== undefined) out.error = m.error
  if (m.error_description !== undefined) out.error_description = m.error_description
  return out
}

// Reads the data block, posts it to the exact target origin, closes the popup. Without an opener the page stays.
const POST_SCRIPT =
  "(function(){try{var d=JSON.parse(document.getElementById('pb-result').textContent),o=window.opener;if(o&&!o.closed&&d.targetOrigin){o.postMessage(d.message,d.targetOrigin);window.close()}}catch(e){}})()"

/**
 * The outcome page. With a `targetOrigin` (an exact origin, never `*`) an inline nonce'd script posts `message` to
 * `window.opener` and closes the popup; the text "You can close this window" stays for when there is no opener.
 * `continueHref` adds a link back to the partner (redirect flows).
 */
export function renderResult(
  ctx: PageContext,
  p: { app?: AppSummary; message: ResultMessage; targetOrigin: string | null; title: string; detail: string; continueHref?: string },
): string {
  if (p.targetOrigin !== null && !isOrigin(p.targetOrigin))
    throw new TypeError('targetOrigin must be an exact origin such as https://app.example.com')
  const ok = p.message.status === 'success'
  const account = ok && p.message.account_identifier
  const body = html`${appHeader(p.app, p.title, p.detail, ok ? ICONS.ok : ICONS.error)}
${account && html`<div class="hd"><span class="pill">${account}</span></div>`}
${p.continueHref && html`<a class="btn" href="${safeUrl(p.continueHref, 'continueHref')}">Return to ${partnerLabel(ctx.branding)}</a>`}
<p class="foot" id="pb-close">You can close this window.</p>`
  const tail =
    p.targetOrigin !== null &&
    html`<script type="application/json" id="pb-result">${jsonScriptContent({ message: messageFields(p.message), targetOrigin: p.targetOrigin })}</script>
<script nonce="${ctx.nonce}">${raw(POST_SCRIPT)}</script>`
  return layout(ctx, { title: p.title, body, tail })
}

const PROBLEMS: Record<SessionProblem, { title: string; text: string; icon: SafeHtml }> = {
  expired: { title: 'This link has expired', text: 'For your security, connection links only work for a few minutes.', icon: ICONS.clock },
  used: { title: 'This link was already used', text: 'Each connection link works only once.', icon: ICONS.link },
  invalid: { title: 'This link is not valid', text: 'The link may be incomplete or may have been changed.', icon: ICONS.link },
  not_found: { title: 'This link is not valid', text: 'We could not find this connection link.', icon: ICONS.link },
}

/** The session code cannot be used: expired, already used, malformed or unknown. */
export function renderSessionProblem(ctx: PageContext, p: { reason: SessionProblem }): string {
  const problem = PROBLEMS[p.reason] ?? PROBLEMS.invalid
  const body = html`${appHeader(undefined, problem.title, problem.text, problem.icon)}
<p class="hd">Go back to ${partnerLabel(ctx.branding)} and start connecting again.</p>
<p class="foot">You can close this window.</p>`
  return layout(ctx, { title: problem.title, body })
}

/** A generic error page, with an optional error code and "Try again" link. */
export function renderError(
  ctx: PageContext,
  p: { title: string; message: string; code?: string; app?: AppSummary; retryHref?: string },
): string {
  const body = html`${appHeader(p.app, p.title, p.message, ICONS.error)}
${p.code && html`<p class="hd sm mut">Error code: <code>${p.code}</code></p>`}
${p.retryHref ? html`<a class="btn" href="${safeUrl(p.retryHref, 'retryHref')}">Try again</a>` : html`<p class="hd">Go back to ${partnerLabel(ctx.branding)} and try again.</p>`}`
  return layout(ctx, { title: p.title, body })
}

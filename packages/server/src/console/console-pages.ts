import type { AuditEntry } from '../audit/audit-log.js'
import { html, type SafeHtml } from '../connect/pages/html.js'
import type { Connection } from '../connections/connection-types.js'
import type { WebhookEventDetailJson, WebhookEventJson } from '../webhooks/webhook-events.js'
import { lineChart, stackedBars, type Series } from './charts.js'
import { actionButton, badge, nextPageLink, when } from './console-layout.js'
import type { RunRow } from './console-store.js'

// The console's pages, one function each (docs/console.md). They get what the route read and the
// session's CSRF token, and return the page's body; console-layout.ts frames it.

export interface PartnerConnection {
  connection: Connection
  endUser: { tenantId: string | null; userId: string | null }
}

export function loginPage(options: { error?: string; csrf: string }): SafeHtml {
  return html`<section class="login" aria-labelledby="login-title">
    <h1 id="login-title">Sign in</h1>
    <p class="muted">With your partner client credentials, or an operator key (<code>patchbay operators add</code>).</p>
    ${options.error ? html`<p class="notice bad" role="alert">${options.error}</p>` : null}
    <form method="post" action="/console/login">
      <input type="hidden" name="csrf" value="${options.csrf}" />
      <label>Client ID <input name="client_id" autocomplete="username" autofocus /></label>
      <label>Client secret <input name="client_secret" type="password" autocomplete="current-password" /></label>
      <p class="muted">or</p>
      <label>Operator key <input name="operator_key" type="password" autocomplete="off" /></label>
      <button type="submit">Sign in</button>
    </form>
  </section>`
}

export interface OverviewData {
  counts: Record<string, number>
  needsReauth: PartnerConnection[]
  failedRuns: RunRow[]
  failedRunCount: number
  failingEndpoints: { url: string; attempts: number; failed: number; lastAt: number; lastStatus: number | null; lastError: string | null }[]
  failedEvents: WebhookEventJson[]
  statusChart: { labels: string[]; series: Series[] }
  runsChart: { labels: string[]; series: Series[] }
  runLatencyChart: { labels: string[]; series: Series[] }
  proxyLatencyChart: { labels: string[]; series: Series[] } | null
}

export function overviewPage(d: OverviewData): SafeHtml {
  return html`<h1>Overview</h1>
    <div class="cards">
      <div class="card"><div class="muted">Active connections</div><div class="n">${d.counts.active ?? 0}</div></div>
      <div class="card">
        <div class="muted">Need reauthorization</div>
        <div class="n"><a href="/console/connections?status=needs_reauth">${d.counts.needs_reauth ?? 0}</a></div>
      </div>
      <div class="card"><div class="muted">Failed runs (24 h)</div><div class="n"><a href="/console/runs?status=failed">${d.failedRunCount}</a></div></div>
      <div class="card">
        <div class="muted">Failing webhook endpoints</div>
        <div class="n"><a href="/console/webhooks?status=failed">${d.failingEndpoints.filter(failing).length}</a></div>
      </div>
    </div>
    <h2>Failures first</h2>
    ${failingEndpointsTable(d.failingEndpoints)}
    <h3>Connections that need reauthorization</h3>
    ${d.needsReauth.length === 0 ? html`<p class="muted">None.</p>` : connectionsTable(d.needsReauth)}
    <h3>Failed runs, last 24 hours</h3>
    ${d.failedRuns.length === 0 ? html`<p class="muted">None.</p>` : runsTable(d.failedRuns)}
    <h3>Failed webhook deliveries</h3>
    ${d.failedEvents.length === 0 ? html`<p class="muted">None.</p>` : eventsTable(d.failedEvents)}
    <h2>Charts</h2>
    <div class="charts">
      ${lineChart({ id: 'c-status', title: 'Connections by status (hourly, 14 days)', ...d.statusChart })}
      ${stackedBars({ id: 'c-runs', title: 'Runs per hour by outcome (24 hours)', ...d.runsChart })}
      ${lineChart({ id: 'c-run-latency', title: 'Run latency, start to end (24 hours)', unit: 'ms', ...d.runLatencyChart })}
      ${
        d.proxyLatencyChart
          ? stackedBars({ id: 'c-proxy-latency', title: 'Proxy latency since this process started', ...d.proxyLatencyChart })
          : null
      }
    </div>`
}

const failing = (e: { lastStatus: number | null }) => e.lastStatus === null || e.lastStatus < 200 || e.lastStatus > 299

function failingEndpointsTable(endpoints: OverviewData['failingEndpoints']): SafeHtml {
  if (endpoints.length === 0) return html`<p class="muted">No webhook deliveries in the last 24 hours.</p>`
  return html`<table>
    <caption class="muted">Webhook endpoints, last 24 hours</caption>
    <thead>
      <tr><th scope="col">Endpoint</th><th scope="col" class="num">Attempts</th><th scope="col" class="num">Failed</th><th scope="col">Last attempt</th><th scope="col">Last answer</th></tr>
    </thead>
    <tbody>
      ${endpoints.map(
        (e) => html`<tr>
          <td><code>${e.url}</code> ${failing(e) ? badge('failed') : badge('succeeded')}</td>
          <td class="num">${e.attempts}</td>
          <td class="num">${e.failed}</td>
          <td>${when(e.lastAt)}</td>
          <td>${e.lastStatus ?? e.lastError ?? '—'}</td>
        </tr>`,
      )}
    </tbody>
  </table>`
}

export function connectionsTable(rows: PartnerConnection[]): SafeHtml {
  return html`<table>
    <thead>
      <tr><th scope="col">Connection</th><th scope="col">App</th><th scope="col">Status</th><th scope="col">Account</th><th scope="col">Tenant / user</th><th scope="col">Created</th></tr>
    </thead>
    <tbody>
      ${rows.map(
        ({ connection: c, endUser }) => html`<tr>
          <td><a href="${`/console/connections/${encodeURIComponent(c.id)}`}"><code>${c.id}</code></a></td>
          <td>${c.appKey}</td>
          <td>${badge(c.status)}</td>
          <td>${c.accountIdentifier ?? html`<span class="muted">&mdash;</span>`}</td>
          <td>${endUser.tenantId ? `${endUser.tenantId} / ` : ''}${endUser.userId ?? '—'}</td>
          <td>${when(c.createdAt)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`
}

export interface ConnectionFilters {
  app?: string | undefined
  status?: string | undefined
  tenant_id?: string | undefined
  user_id?: string | undefined
}

export function connectionsPage(d: { rows: PartnerConnection[]; filters: ConnectionFilters; nextCursor: string | null }): SafeHtml {
  const f = d.filters
  return html`<h1>Connections</h1>
    <form class="filters" method="get" action="/console/connections" role="search">
      <label>App <input name="app" value="${f.app ?? ''}" pattern="[a-z0-9][a-z0-9_\-]{0,63}" /></label>
      <label>Status
        <select name="status">
          <option value="">Any</option>
          ${['active', 'needs_reauth', 'error'].map((s) => html`<option value="${s}" ${s === f.status ? html`selected` : ''}>${s}</option>`)}
        </select>
      </label>
      <label>Tenant <input name="tenant_id" value="${f.tenant_id ?? ''}" /></label>
      <label>User <input name="user_id" value="${f.user_id ?? ''}" /></label>
      <button type="submit">Filter</button>
    </form>
    <form class="filters" method="get" action="/console/connections/find">
      <label>Connection id <input name="id" required /></label>
      <button type="submit">Open</button>
    </form>
    ${d.rows.length === 0 ? html`<p class="muted">No connections match.</p>` : connectionsTable(d.rows)}
    ${nextPageLink('/console/connections', { ...f }, d.nextCursor)}`
}

export function connectionPage(d: {
  item: PartnerConnection
  audit: AuditEntry[]
  statusHistory: AuditEntry[]
  refreshes: AuditEntry[]
  csrf: string
  reauthLink?: { url: string; expiresAt: number }
}): SafeHtml {
  const c = d.item.connection
  const statusChanges = d.statusHistory
  const refreshes = d.refreshes
  const base = `/console/connections/${encodeURIComponent(c.id)}`
  return html`<h1>Connection <code>${c.id}</code></h1>
    <dl>
      <dt>App</dt><dd>${c.appKey} (${c.authType})</dd>
      <dt>Status</dt><dd>${badge(c.status)}</dd>
      <dt>Last error</dt><dd>${c.statusReason ?? html`<span class="muted">&mdash;</span>`}</dd>
      <dt>Account</dt><dd>${c.accountIdentifier ?? '—'}</dd>
      <dt>Name</dt><dd>${c.name ?? '—'}</dd>
      <dt>End user</dt><dd>${d.item.endUser.tenantId ? `${d.item.endUser.tenantId} / ` : ''}${d.item.endUser.userId ?? '—'}</dd>
      <dt>Scopes</dt><dd>${c.scopes.length ? c.scopes.join(' ') : '—'}</dd>
      <dt>Token expires</dt><dd>${when(c.expiresAt)}</dd>
      <dt>Last refreshed</dt><dd>${when(c.refreshedAt)}</dd>
      <dt>Created</dt><dd>${when(c.createdAt)}</dd>
    </dl>
    <p>
      ${actionButton(`${base}/reauth-link`, 'Make a reauthorization link', d.csrf)}
      ${actionButton(`${base}/delete`, 'Delete connection', d.csrf, { danger: true })}
      <a href="${`/console/runs?connection_id=${encodeURIComponent(c.id)}`}">Runs on this connection</a>
    </p>
    ${
      d.reauthLink
        ? html`<div class="notice" role="status">
          <p>Send this link to the end user; it re-authorizes this connection (the id stays) and works until ${when(d.reauthLink.expiresAt)}, once:</p>
          <p><label>Reauthorization link <input readonly size="80" value="${d.reauthLink.url}" /></label></p>
        </div>`
        : null
    }
    <h2>Status history</h2>
    ${statusChanges.length === 0 ? html`<p class="muted">Nothing recorded.</p>` : auditTable(statusChanges)}
    <h2>Refreshes</h2>
    ${refreshes.length === 0 ? html`<p class="muted">No refreshes recorded.</p>` : auditTable(refreshes)}
    <h2>Audit log</h2>
    ${d.audit.length === 0 ? html`<p class="muted">Nothing recorded.</p>` : auditTable(d.audit)}`
}

function auditTable(entries: AuditEntry[]): SafeHtml {
  return html`<table>
    <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">Detail</th></tr></thead>
    <tbody>
      ${entries.map(
        (e) => html`<tr>
          <td>${when(e.at)}</td>
          <td>${e.action}</td>
          <td>${e.actor.type}: <code>${e.actor.id}</code>${e.actor.via ? ` (${e.actor.via})` : ''}</td>
          <td>${e.detail ? html`<code>${JSON.stringify(e.detail)}</code>` : ''}</td>
        </tr>`,
      )}
    </tbody>
  </table>`
}

export function runsTable(rows: RunRow[]): SafeHtml {
  return html`<table>
    <thead><tr><th scope="col">Run</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Connection</th><th scope="col">Created</th><th scope="col" class="num">Duration</th></tr></thead>
    <tbody>
      ${rows.map(
        (r) => html`<tr>
          <td><a href="${`/console/runs/${encodeURIComponent(r.id)}`}"><code>${r.id}</code></a></td>
          <td>${r.app_key}.${r.action_key}</td>
          <td>${badge(r.status)}</td>
          <td><a href="${`/console/connections/${encodeURIComponent(r.connection_id)}`}"><code>${r.connection_id}</code></a></td>
          <td>${when(Number(r.created_at))}</td>
          <td class="num">${r.started_at !== null && r.finished_at !== null ? `${Number(r.finished_at) - Number(r.started_at)} ms` : '—'}</td>
        </tr>`,
      )}
    </tbody>
  </table>`
}

const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'canceled', 'timed_out', 'requires_action']

export function runsPage(d: {
  rows: RunRow[]
  filters: { status?: string | undefined; app?: string | undefined; connection_id?: string | undefined }
  nextCursor: string | null
}): SafeHtml {
  const f = d.filters
  return html`<h1>Runs</h1>
    <form class="filters" method="get" action="/console/runs" role="search">
      <label>Status
        <select name="status">
          <option value="">Any</option>
          ${RUN_STATUSES.map((s) => html`<option value="${s}" ${s === f.status ? html`selected` : ''}>${s}</option>`)}
        </select>
      </label>
      <label>App <input name="app" value="${f.app ?? ''}" pattern="[a-z0-9][a-z0-9_\-]{0,63}" /></label>
      <label>Connection <input name="connection_id" value="${f.connection_id ?? ''}" /></label>
      <button type="submit">Filter</button>
    </form>
    ${d.rows.length === 0 ? html`<p class="muted">No runs match.</p>` : runsTable(d.rows)}
    ${nextPageLink('/console/runs', { ...f }, d.nextCursor)}`
}

export interface RunLogLine {
  seq: number
  attempt: number
  kind: string
  level: string
  message: string
  data: Record<string, unknown> | null
  created_at: string
}

export function runPage(d: { run: RunRow; logs: RunLogLine[]; csrf: string; retryable: boolean }): SafeHtml {
  const r = d.run
  const pretty = (text: string | null) => (text === null ? null : JSON.stringify(JSON.parse(text), null, 2))
  return html`<h1>Run <code>${r.id}</code></h1>
    <dl>
      <dt>Action</dt><dd>${r.app_key}.${r.action_key} ${r.action_version}</dd>
      <dt>Status</dt><dd>${badge(r.status)}</dd>
      <dt>Connection</dt><dd><a href="${`/console/connections/${encodeURIComponent(r.connection_id)}`}"><code>${r.connection_id}</code></a></dd>
      <dt>Attempts</dt><dd>${Number(r.attempt)}</dd>
      <dt>Created</dt><dd>${when(Number(r.created_at))}</dd>
      <dt>Started</dt><dd>${when(r.started_at === null ? null : Number(r.started_at))}</dd>
      <dt>Ended</dt><dd>${when(r.finished_at === null ? null : Number(r.finished_at))}</dd>
      ${r.dry_run ? html`<dt>Dry run</dt><dd>yes</dd>` : null}
    </dl>
    ${d.retryable ? html`<p>${actionButton(`/console/runs/${encodeURIComponent(r.id)}/retry`, 'Retry (a new run with the same inputs)', d.csrf)}</p>` : null}
    <h2>Inputs</h2>
    <pre>${pretty(r.inputs)}</pre>
    ${r.error !== null ? html`<h2>Error</h2><pre>${pretty(r.error)}</pre>` : null}
    ${r.output !== null ? html`<h2>Output</h2><pre>${pretty(r.output)}</pre>` : null}
    <h2>Log (HTTP exchanges redacted)</h2>
    ${
      d.logs.length === 0
        ? html`<p class="muted">No log lines.</p>`
        : html`<table>
          <thead><tr><th scope="col">#</th><th scope="col">Attempt</th><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Message</th></tr></thead>
          <tbody>
            ${d.logs.map(
              (l) => html`<tr>
                <td>${l.seq}</td>
                <td>${l.attempt}</td>
                <td><time datetime="${l.created_at}">${l.created_at}</time></td>
                <td>${l.kind} ${badge(l.level)}</td>
                <td>${l.message}${l.data ? html`<pre>${JSON.stringify(l.data, null, 2)}</pre>` : null}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
    }`
}

export function eventsTable(events: WebhookEventJson[]): SafeHtml {
  return html`<table>
    <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last answer</th><th scope="col">Created</th></tr></thead>
    <tbody>
      ${events.map(
        (e) => html`<tr>
          <td><a href="${`/console/webhooks/${encodeURIComponent(e.id)}`}"><code>${e.id}</code></a></td>
          <td>${e.type}</td>
          <td>${badge(e.status)}</td>
          <td class="num">${e.attempts}</td>
          <td>${e.last_attempt ? (e.last_attempt.status_code ?? e.last_attempt.error ?? '—') : '—'}</td>
          <td><time datetime="${e.created_at}">${e.created_at}</time></td>
        </tr>`,
      )}
    </tbody>
  </table>`
}

export function webhooksPage(d: {
  events: WebhookEventJson[]
  status?: string | undefined
  webhookUrl: string | null
  nextCursor: string | null
}): SafeHtml {
  return html`<h1>Webhooks</h1>
    <p>Endpoint: ${d.webhookUrl ? html`<code>${d.webhookUrl}</code>` : html`<span class="muted">none set (events are kept, not sent)</span>`}</p>
    <form class="filters" method="get" action="/console/webhooks" role="search">
      <label>Status
        <select name="status">
          <option value="">Any</option>
          ${['pending', 'delivering', 'succeeded', 'failed', 'skipped'].map((s) => html`<option value="${s}" ${s === d.status ? html`selected` : ''}>${s}</option>`)}
        </select>
      </label>
      <button type="submit">Filter</button>
    </form>
    ${d.events.length === 0 ? html`<p class="muted">No deliveries match.</p>` : eventsTable(d.events)}
    ${nextPageLink('/console/webhooks', { status: d.status }, d.nextCursor)}`
}

export function webhookPage(d: { event: WebhookEventDetailJson; csrf: string }): SafeHtml {
  const e = d.event
  return html`<h1>Webhook event <code>${e.id}</code></h1>
    <dl>
      <dt>Type</dt><dd>${e.type}</dd>
      <dt>Status</dt><dd>${badge(e.status)}</dd>
      <dt>Attempts</dt><dd>${e.attempts}</dd>
      <dt>Next attempt</dt><dd>${e.next_attempt_at ?? '—'}</dd>
      <dt>Created</dt><dd>${e.created_at}</dd>
    </dl>
    <p>${actionButton(`/console/webhooks/${encodeURIComponent(e.id)}/redeliver`, 'Redeliver', d.csrf)}</p>
    <h2>Attempts</h2>
    ${
      e.delivery_attempts.length === 0
        ? html`<p class="muted">None yet.</p>`
        : html`<table>
          <thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">URL</th><th scope="col">Answer</th><th scope="col" class="num">Duration</th></tr></thead>
          <tbody>
            ${e.delivery_attempts.map(
              (a) => html`<tr>
                <td>${a.attempt}</td>
                <td><time datetime="${a.created_at}">${a.created_at}</time></td>
                <td><code>${a.url}</code></td>
                <td>${a.status_code ?? a.error ?? '—'}</td>
                <td class="num">${a.duration_ms} ms</td>
              </tr>`,
            )}
          </tbody>
        </table>`
    }
    <h2>Payload</h2>
    <pre>${JSON.stringify(e.payload, null, 2)}</pre>`
}

export function messagePage(title: string, message: string, link?: { href: string; label: string }): SafeHtml {
  return html`<h1>${title}</h1>
    <p>${message}</p>
    ${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : null}`
}

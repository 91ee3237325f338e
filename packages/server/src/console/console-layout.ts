import { html, raw, type SafeHtml } from '../connect/pages/html.js'

// The console's page frame (docs/console.md): one stylesheet, nonce'd (the CSP allows nothing else),
// light and dark from the browser's preference, no script at all: links and forms, so every page
// works with the keyboard alone.

const STYLES = raw(`
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--panel:#f6f8fa;--link:#0550ae;
--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--info:#0969da;--focus:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--panel:#161b22;--link:#58a6ff;
--ok:#3fb950;--warn:#d29922;--bad:#f85149;--info:#58a6ff;--focus:#58a6ff}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--link)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:2px solid var(--focus);outline-offset:2px}
header{display:flex;flex-wrap:wrap;gap:16px;align-items:center;padding:10px 20px;border-bottom:1px solid var(--line);background:var(--panel)}
header .brand{font-weight:600}header nav{display:flex;gap:14px;flex:1}header nav a{text-decoration:none;padding:4px 2px}
header nav a[aria-current=page]{font-weight:600;border-bottom:2px solid var(--link)}
main{padding:16px 20px;max-width:1200px}h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:22px 0 8px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}td.num,th.num{text-align:right}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre{background:var(--panel);border:1px solid var(--line);padding:8px;overflow:auto;max-height:360px;white-space:pre-wrap;word-break:break-all}
form.inline{display:inline}form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:8px 0}
label{display:flex;flex-direction:column;gap:2px;color:var(--muted);font-size:12px}
input,select,button{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{cursor:pointer;background:var(--panel)}button.danger{color:var(--bad);border-color:var(--bad)}
.badge{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;border:1px solid currentColor}
.b-ok{color:var(--ok)}.b-warn{color:var(--warn)}.b-bad{color:var(--bad)}.b-info{color:var(--info)}.b-muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;margin:8px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:var(--panel)}.card .n{font-size:22px;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
figure.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px}figcaption{font-weight:600;margin-bottom:6px}
svg{width:100%;height:auto}svg .axis{stroke:var(--muted)}svg .grid{stroke:var(--line);stroke-dasharray:3 3}svg .tick{fill:var(--muted);font-size:11px}
svg .line{fill:none;stroke-width:2}svg .line.s-ok{stroke:var(--ok)}svg .line.s-warn{stroke:var(--warn)}svg .line.s-bad{stroke:var(--bad)}
svg .line.s-info{stroke:var(--info)}svg .line.s-muted{stroke:var(--muted)}
svg .dot.s-ok{fill:var(--ok)}svg .dot.s-warn{fill:var(--warn)}svg .dot.s-bad{fill:var(--bad)}svg .dot.s-info{fill:var(--info)}svg .dot.s-muted{fill:var(--muted)}
svg .bar.s-ok{fill:var(--ok)}svg .bar.s-warn{fill:var(--warn)}svg .bar.s-bad{fill:var(--bad)}svg .bar.s-info{fill:var(--info)}svg .bar.s-muted{fill:var(--muted)}
ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:12px;padding:0;margin:6px 0;color:var(--muted);font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.swatch.s-ok{background:var(--ok)}.swatch.s-warn{background:var(--warn)}.swatch.s-bad{background:var(--bad)}.swatch.s-info{background:var(--info)}.swatch.s-muted{background:var(--muted)}
.muted{color:var(--muted)}.notice{border:1px solid var(--line);border-left:4px solid var(--info);padding:8px 12px;background:var(--panel);margin:8px 0}
.notice.bad{border-left-color:var(--bad)}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{color:var(--muted)}dd{margin:0}
.login{max-width:380px;margin:60px auto;padding:20px;border:1px solid var(--line);border-radius:8px}.login form{display:flex;flex-direction:column;gap:10px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px}
`)

export type Section = 'overview' | 'connections' | 'runs' | 'webhooks'

export interface Frame {
  nonce: string
  title: string
  partnerName: string
  section: Section | null
  /** The session's form token: the sign-out form carries it. */
  csrfToken: string | null
}

const SECTIONS: { key: Section; label: string; href: string }[] = [
  { key: 'overview', label: 'Overview', href: '/console' },
  { key: 'connections', label: 'Connections', href: '/console/connections' },
  { key: 'runs', label: 'Runs', href: '/console/runs' },
  { key: 'webhooks', label: 'Webhooks', href: '/console/webhooks' },
]

export function page(frame: Frame, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${frame.title} &middot; Patchbay console</title>
        <style nonce="${frame.nonce}">
          ${STYLES}
        </style>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <span class="brand">Patchbay &middot; ${frame.partnerName}</span>
          ${
            frame.section !== null || frame.csrfToken !== null
              ? html`<nav aria-label="Console">
                  ${SECTIONS.map(
                    (s) => html`<a href="${s.href}" ${frame.section === s.key ? raw('aria-current="page"') : ''}>${s.label}</a>`,
                  )}
                </nav>
                ${
                  frame.csrfToken !== null
                    ? html`<form class="inline" method="post" action="/console/logout">
                      <input type="hidden" name="csrf" value="${frame.csrfToken}" /><button type="submit">Sign out</button>
                    </form>`
                    : null
                }`
              : null
          }
        </header>
        <main id="main">${body}</main>
      </body>
    </html>`.toString()
}

const BADGES: Record<string, string> = {
  active: 'b-ok',
  succeeded: 'b-ok',
  delivered: 'b-ok',
  needs_reauth: 'b-warn',
  requires_action: 'b-warn',
  waiting: 'b-warn',
  pending: 'b-info',
  queued: 'b-info',
  running: 'b-info',
  error: 'b-bad',
  failed: 'b-bad',
  timed_out: 'b-bad',
  canceled: 'b-muted',
  skipped: 'b-muted',
}

export function badge(status: string): SafeHtml {
  return html`<span class="badge ${BADGES[status] ?? 'b-muted'}">${status}</span>`
}

export function when(ms: number | null | undefined): SafeHtml {
  if (ms === null || ms === undefined) return html`<span class="muted">&mdash;</span>`
  const iso = new Date(ms).toISOString()
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`
}

/** A POST form of one button, with the session's CSRF token. */
export function actionButton(action: string, label: string, csrf: string, options: { danger?: boolean } = {}): SafeHtml {
  return html`<form class="inline" method="post" action="${action}">
    <input type="hidden" name="csrf" value="${csrf}" /><button type="submit" ${options.danger ? raw('class="danger"') : ''}>${label}</button>
  </form>`
}

/** The "next page" link of a listing: the same filters, the next cursor. */
export function nextPageLink(path: string, query: Record<string, string | undefined>, cursor: string | null): SafeHtml | null {
  if (!cursor) return null
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && k !== 'cursor') params.set(k, v)
  params.set('cursor', cursor)
  return html`<p><a href="${`${path}?${params.toString()}`}" rel="next">Next page &rarr;</a></p>`
}

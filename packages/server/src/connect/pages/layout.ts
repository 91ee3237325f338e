import { assertNonce } from './csp.js'
import { type HtmlValue, html, jsonScriptContent, raw, type SafeHtml, safeImageUrl, safeUrl } from './html.js'
import { pageStyles, type ThemeMode } from './styles.js'

export interface Branding {
  partnerName: string
  /** Same-origin path or URL of the partner's logo (the CSP allows no other images). */
  logoUrl?: string
  /** `#rrggbb`; anything else is ignored and the default colour is used. */
  brandColor?: string
  mode: ThemeMode
  /** Show the "Powered by Patchbay" line under the card (default true). */
  poweredBy?: boolean
}

export interface PageContext {
  /** The CSP nonce of this response (see `newNonce`), base64. */
  nonce: string
  branding: Branding
  /**
   * When set, a nonce'd script replaces the address bar URL with this same-origin path after load
   * (`history.replaceState`), so a session code in the query string leaves the address bar and history.
   */
  replaceUrl?: string
}

export interface AppSummary {
  key: string
  name: string
  /** Same-origin path or URL of the app's logo. */
  logoUrl: string
  description: string
  /** The app's categories (the picker filters by them); none when unknown. */
  categories: readonly string[]
}

/** An app or partner logo, or a monogram tile when there is no usable image. Decorative: the name is always beside it. */
export function logo(url: string | undefined, name: string, cls = 'lg', lazy = false): SafeHtml {
  const src = safeImageUrl(url)
  // Lazy in the picker: with 150+ apps, only the logos on screen load.
  if (src)
    return html`<img class="${cls}" src="${src}" alt="" width="56" height="56" decoding="async"${lazy ? raw(' loading="lazy"') : ''}>`
  const initial = Array.from(name.trim())[0]?.toUpperCase() ?? '?'
  return html`<span class="${cls} mono" aria-hidden="true">${initial}</span>`
}

export interface LayoutOptions {
  title: string
  /** Page content after the partner bar, inside <main>. Must contain the page's one <h1>. */
  body: HtmlValue
  /** Extra elements for <head> (e.g. a meta refresh). */
  head?: HtmlValue
  /** Data blocks and scripts at the end of <body>; scripts must carry the nonce. */
  tail?: HtmlValue
  wide?: boolean
}

export function partnerLabel(branding: Branding): string {
  return branding.partnerName.trim() || 'the app you came from'
}

export function layout(ctx: PageContext, o: LayoutOptions): string {
  assertNonce(ctx.nonce)
  const { branding } = ctx
  const mode: ThemeMode = branding.mode === 'light' || branding.mode === 'dark' ? branding.mode : 'auto'
  const name = branding.partnerName.trim()
  const partnerLogo = safeImageUrl(branding.logoUrl)
  const top =
    (name || partnerLogo) &&
    html`<header class="top">${partnerLogo && html`<img src="${partnerLogo}" alt="" width="28" height="28">`}<span>${name}</span></header>`
  const replace =
    ctx.replaceUrl !== undefined &&
    html`<script nonce="${ctx.nonce}">history.replaceState(null,'',${jsonScriptContent(safeUrl(ctx.replaceUrl, 'replaceUrl'))})</script>`
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${o.title}</title>
${o.head}<style nonce="${ctx.nonce}">${raw(pageStyles(mode, branding.brandColor))}</style>
</head>
<body>
<main${o.wide && raw(' class="wide"')}>
${top}
${o.body}
</main>
${branding.poweredBy !== false && html`<p class="foot">Powered by Patchbay</p>`}
${replace}${o.tail}
</body>
</html>
`.toString()
}

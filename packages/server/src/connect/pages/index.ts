export { type CspOptions, contentSecurityPolicy, newNonce, pageHeaders } from './csp.js'
export { type FormField, htmlPattern, isSecretField, patternHint } from './fields.js'
export { escapeHtml, type HtmlValue, html, jsonScriptContent, raw, SafeHtml, safeUrl } from './html.js'
export type { AppSummary, Branding, PageContext } from './layout.js'
export {
  type FormOption,
  type ResultMessage,
  renderAppForm,
  renderError,
  renderPicker,
  renderRedirecting,
  renderResult,
  renderSessionProblem,
  type SessionProblem,
} from './pages.js'
export { DEFAULT_BRAND_COLOR, type ThemeMode, validBrandColor } from './styles.js'

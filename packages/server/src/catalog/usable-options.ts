import type { App, AuthOption } from './app-schema.js'

/**
 * The auth options of an app a partner can offer its end users: OAuth ones (OAuth 2.0 code flow,
 * OAuth 1.0a) only once the partner configured its own client for the app; options where the user
 * supplies everything (API key, basic, client credentials) always; `none` never (nothing to connect).
 * `configured` is the partner's configured app keys ({@link PartnerApps.configuredKeys}).
 */
export function usableOptions(app: App, configured: ReadonlySet<string>): AuthOption[] {
  return app.auth.filter((o) => {
    if (o.type === 'none') return false
    if (o.type === 'oauth2' || o.type === 'oauth1') return configured.has(app.key)
    return true
  })
}

/** The app is used without any connection (the generic HTTP app): it has no connect link. */
export function needsNoConnection(app: App): boolean {
  return app.auth.every((o) => o.type === 'none')
}

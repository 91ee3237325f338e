/**
 * The ready-to-open Connect UI link for a session code (docs/api.md, "Connect sessions"): straight
 * to the app's page when the session can connect exactly one app, else the picker. The code is
 * single use and leaves the address bar once the page loads (docs/connect-ui.md).
 */
export function connectUrl(publicUrl: string, code: string, onlyApp: string | null): string {
  const base = publicUrl.replace(/\/+$/, '')
  const path = onlyApp === null ? '/connect' : `/to/${encodeURIComponent(onlyApp)}`
  return `${base}${path}?${new URLSearchParams({ token: code })}`
}

import type { App, AuthOption } from './app-schema.js'

/**
 * Rules for the catalog's own entries beyond what every app (a custom one too) must pass at load
 * (docs/catalog.md, "Checks"): an OAuth2 entry says which scopes it asks for, or that the provider takes
 * none in the request; every option that can be checked has a credential check, or says why not.
 */
export function catalogEntryProblems(app: App): string[] {
  const problems: string[] = []
  for (const option of app.auth) {
    const where = `${app.key}: auth option ${option.key}`
    if (option.type === 'oauth2' && !option.discovery) {
      if (option.scopes.length === 0 && !option.scopes_from_app)
        problems.push(`${where} lists no scopes (set scopes_from_app if the provider takes none)`)
      if (option.scopes.length > 0 && option.scopes_from_app) problems.push(`${where} lists scopes and sets scopes_from_app`)
    }
    if (checkable(option)) {
      if (!option.credential_check && !option.no_credential_check)
        problems.push(`${where} has no credential_check (or no_credential_check saying why)`)
      if (option.credential_check && option.no_credential_check) problems.push(`${where} has both credential_check and no_credential_check`)
    }
  }
  return problems
}

/** Options whose credentials a request can prove: not `none`, not discovery (its userinfo endpoint is the check), not client credentials (the token request is). */
function checkable(option: AuthOption): option is Exclude<AuthOption, { type: 'none' } | { type: 'oauth2_client_credentials' }> {
  if (option.type === 'none' || option.type === 'oauth2_client_credentials') return false
  return !(option.type === 'oauth2' && option.discovery)
}

/** What the entry's docs say that is unusual, for the review list (docs/apps/README.md): empty when nothing is. */
export function reviewNotes(app: App): string[] {
  const notes: string[] = []
  for (const option of app.auth) {
    if (option.type !== 'oauth2') continue
    if (!option.refresh) notes.push(`\`${option.key}\`: no refresh token`)
    if (option.rotating_refresh_token) notes.push(`\`${option.key}\`: rotating refresh token`)
    const response = option.token_response as Record<string, unknown>
    const moved = ['access_token', 'refresh_token', 'expires_in', 'scope'].filter((k) => response[k] !== undefined && response[k] !== k)
    if (moved.length > 0 || response.ok_flag) {
      notes.push(`\`${option.key}\`: non-standard token response (${[...moved, ...(response.ok_flag ? ['ok_flag'] : [])].join(', ')})`)
    }
    if (option.scopes_from_app) notes.push(`\`${option.key}\`: scopes set on the provider's OAuth app`)
  }
  for (const option of app.auth)
    if ('no_credential_check' in option && option.no_credential_check) notes.push(`\`${option.key}\`: no credential check`)
  return [...notes, ...(app.quirks ?? [])]
}

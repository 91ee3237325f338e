import type { App, AuthOption } from '../catalog/app-schema.js'
import { renderTemplate, type TemplateValues } from '../catalog/template.js'
import type { Credentials } from '../connections/connection-types.js'
import { basicAuthorization } from '../lib/basic-auth.js'

export interface Injection {
  headers: Record<string, string>
  query: Record<string, string>
}

/** String view of credentials for templates (numbers become strings; nulls are left out). */
export function credentialValues(credentials: Credentials): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(credentials)) if (v !== null && v !== undefined) out[k] = String(v)
  return out
}

/**
 * How credentials travel on a call to the app's API: the option's `inject` templates, or the
 * default for its type (Bearer for OAuth2 tokens, Basic for basic auth). OAuth 1.0a signs each
 * request instead (see oauth1/sign.ts) and gets nothing here.
 */
export function injectCredentials(app: App, option: AuthOption, values: TemplateValues): Injection {
  const headers: Record<string, string> = {}
  const query: Record<string, string> = {}
  for (const [name, template] of Object.entries(app.api.headers ?? {})) headers[name.toLowerCase()] = renderTemplate(template, values)
  const inject = 'inject' in option ? option.inject : undefined
  if (inject) {
    for (const [name, template] of Object.entries(inject.headers ?? {})) headers[name.toLowerCase()] = renderTemplate(template, values)
    for (const [name, template] of Object.entries(inject.query ?? {})) query[name] = renderTemplate(template, values)
    return { headers, query }
  }
  switch (option.type) {
    case 'oauth2':
    case 'oauth2_client_credentials':
      headers.authorization = renderTemplate('Bearer {credentials.access_token}', values)
      break
    case 'basic': {
      const user = renderTemplate(option.username, values)
      const password = renderTemplate(option.password, values)
      headers.authorization = basicAuthorization(user, password)
      break
    }
    default:
      break
  }
  return { headers, query }
}

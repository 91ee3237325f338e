import type { ActionDefinition } from '@patchbay/catalog'
import { actionSection } from '../actions/action-reference.js'
import type { ActionRegistry } from '../actions/action-registry.js'
import { codePointOrder } from '../lib/code-point-order.js'
import type { App, AuthOption, Field } from './app-schema.js'
import { reviewNotes } from './catalog-review.js'
import type { Catalog } from './load-catalog.js'

// The generated catalog reference, `docs/apps/`: a page per app (how to set it up, its quirks, its
// actions) and an index with the review list, written by `patchbay catalog docs` from the entries and
// the action definitions, and checked to be in sync by a test (docs/catalog.md, "Setup pages").

/**
 * Catalog text (names, descriptions, labels, quirks) as literal Markdown: characters Markdown or HTML
 * would act on are escaped and line breaks become spaces, so an entry cannot add a link, a heading, a
 * table column or markup to the generated page.
 */
export const prose = (text: unknown) =>
  String(text ?? '')
    .replace(/[\\`*_[\]<>|#!]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, ' ')
const cell = prose
/** A code span inside a table: only the pipe is escaped (GFM reads `\\|` there; other escapes would show). */
const codeCell = (span: string) => span.replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, ' ')
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``

function fieldsTable(fields: readonly Field[], withSecret: boolean): string[] {
  const lines = [
    withSecret ? '| field | label | secret | pattern | example |' : '| parameter | label | pattern | example |',
    withSecret ? '| --- | --- | --- | --- | --- |' : '| --- | --- | --- | --- |',
  ]
  for (const f of fields) {
    const pattern = f.pattern ? code(f.pattern) : ''
    const example = f.example ? code(f.example) : ''
    lines.push(
      withSecret
        ? `| ${code(f.key)} | ${cell(f.label)} | ${f.secret ? 'yes' : 'no'} | ${codeCell(pattern)} | ${codeCell(example)} |`
        : `| ${code(f.key)} | ${cell(f.label)} | ${codeCell(pattern)} | ${codeCell(example)} |`,
    )
  }
  return lines
}

function checkLine(option: AuthOption): string {
  if ('no_credential_check' in option && option.no_credential_check) return `- **Credential check**: none: ${option.no_credential_check}`
  if (!('credential_check' in option) || !option.credential_check) {
    return option.type === 'oauth2_client_credentials'
      ? '- **Credential check**: the token request itself.'
      : "- **Credential check**: the issuer's userinfo endpoint."
  }
  const c = option.credential_check
  return `- **Credential check**: ${code(`${c.method} ${c.url}`)}${c.account_identifier ? `, account shown as ${code(c.account_identifier)}` : ''}.`
}

/** The scopes an option asks for and may ask for, each with the actions that need it. */
function scopeLines(option: { scopes: string[]; optional_scopes?: string[] | undefined }, actions: ActionDefinition[]): string[] {
  const users = (scope: string) => actions.filter((a) => a.scopes.includes(scope)).map((a) => code(`${a.app}.${a.key}`))
  const rows = [
    ...option.scopes.map((s) => [s, 'by default', users(s)] as const),
    ...(option.optional_scopes ?? []).map((s) => [s, 'when the partner adds it', users(s)] as const),
  ]
  if (rows.length === 0) return []
  return [
    '| scope | asked | needed by |',
    '| --- | --- | --- |',
    ...rows.map(
      ([s, when, by]) =>
        `| ${code(s)} | ${when} | ${by.length > 0 ? by.join(', ') : 'connecting (the credential check and the account name)'} |`,
    ),
  ]
}

function optionSection(app: App, option: AuthOption, actions: ActionDefinition[]): string[] {
  const title = `### ${code(option.key)}: ${prose(option.label ?? option.type)} (${option.type})`
  const lines = [title, '']
  if (option.type === 'none') return [...lines, 'Nothing to set up: the app needs no credentials.', '']
  if (option.type === 'oauth2' || option.type === 'oauth1') {
    const version = option.type === 'oauth2' ? 'oauth2' : 'oauth1'
    lines.push(
      `- **Create the OAuth client** at ${prose(app.name)}, as its guide says: <${app.docs_url}>`,
      `- **Callback URL** to register there: ${code(`{PATCHBAY_PUBLIC_URL}/${version}/callback/${app.key}`)}`,
      `- **Give Patchbay the client**: ${code(`npx patchbay partner app <partner id> ${app.key} --client-id … --client-secret-env …`)} (or ${code(`apps: { ${app.key}: … }`)} under the partner in the config file).`,
    )
  }
  if (option.type === 'oauth2') {
    if (option.discovery) lines.push("- **Endpoints**: from the issuer's discovery document.")
    else lines.push(`- **Endpoints**: authorize ${code(option.authorization_url ?? '')}, token ${code(option.token_url ?? '')}.`)
    lines.push(
      `- **Flow**: PKCE ${option.pkce ? 'yes' : 'no'}; client authentication ${code(option.token_auth_method)}; token request ${option.token_request_format === 'json' ? 'JSON' : 'form'}; scopes separated by ${option.scope_separator === ' ' ? 'spaces' : code(option.scope_separator)}${option.scope_param !== 'scope' ? ` in ${code(option.scope_param)}` : ''}.`,
      `- **Refresh**: ${!option.refresh ? 'none (the provider issues no refresh token)' : option.rotating_refresh_token ? 'rotating (each refresh returns a new refresh token; the old one stops working)' : 'with the refresh token'}; revocation ${option.revocation_url ? code(option.revocation_url) : 'not documented (deleting a connection forgets its tokens)'}.`,
    )
    if (option.scopes_from_app)
      lines.push("- **Scopes**: none in the request: the provider takes them from the OAuth app's own settings (or has none).")
    else if (option.scopes.length > 0 || option.optional_scopes?.length) lines.push('- **Scopes**:', '', ...scopeLines(option, actions), '')
  }
  if (option.type === 'oauth2_client_credentials') {
    lines.push(`- **Token**: ${code(option.token_url)} (client credentials; the user gives the client id and secret).`)
  }
  if (option.type === 'oauth1') {
    lines.push(
      `- **Endpoints**: request token ${code(option.request_token_url)}, authorize ${code(option.authorization_url)}, access token ${code(option.access_token_url)} (${option.signature_method}).`,
    )
  }
  if ('credential_fields' in option) lines.push('- **The user fills in**:', '', ...fieldsTable(option.credential_fields, true), '')
  if (option.connection_params?.length)
    lines.push('- **Connection parameters of this option**:', '', ...fieldsTable(option.connection_params, false), '')
  lines.push(checkLine(option), '')
  return lines
}

function appPage(app: App, actions: ActionDefinition[], header: string): string {
  const lines = [
    `# ${prose(app.name)}`,
    '',
    header,
    '',
    prose(app.description),
    '',
    `Key ${code(app.key)} · categories ${app.categories.map(code).join(', ')} · [provider docs](${app.docs_url}) · API ${code(app.api.base_url)}`,
    '',
    '## Setup',
    '',
  ]
  if (app.connection_params.length > 0)
    lines.push('The user gives these with every way of connecting:', '', ...fieldsTable(app.connection_params, false), '')
  for (const option of app.auth) lines.push(...optionSection(app, option, actions))
  if (app.quirks?.length) lines.push('## Known quirks', '', ...app.quirks.map((q) => `- ${prose(q)}`), '')
  if (actions.length > 0) {
    lines.push('## Actions', '', 'How runs work is in [../actions.md](../actions.md).', '')
    for (const d of actions) lines.push(...actionSection(d).map((l) => (l.startsWith('## ') ? `#${l}` : l)))
  }
  return `${lines.join('\n').trimEnd()}\n`
}

/** The pages, by file name: one per catalog app, and `README.md` (the index and the review list). */
export function appReference(registry: ActionRegistry, catalog: Catalog): Map<string, string> {
  const byApp = new Map<string, ActionDefinition[]>()
  for (const { definition } of registry.list()) {
    const list = byApp.get(definition.app) ?? []
    list.push(definition)
    byApp.set(definition.app, list)
  }
  const header = '<!-- Generated by `npx patchbay catalog docs docs/apps` from the catalog and the action definitions: do not edit. -->'
  const pages = new Map<string, string>()
  const apps = catalog.list()
  const index = [
    '# The catalog, app by app',
    '',
    header,
    '',
    `${apps.length} apps. Each page says how to set the app up (the OAuth client to create, the callback URL, the scopes and why), its quirks and its actions; how the catalog works is in [../catalog.md](../catalog.md), how runs work in [../actions.md](../actions.md).`,
    '',
    '| app | auth | actions |',
    '| --- | --- | --- |',
  ]
  const review = [
    '## Review list',
    '',
    'Entries whose provider docs say something unusual: read these before relying on them.',
    '',
    '| app | what |',
    '| --- | --- |',
  ]
  for (const app of apps) {
    const actions = (byApp.get(app.key) ?? []).sort((a, b) => codePointOrder(a.key, b.key))
    index.push(
      `| [${cell(app.name)}](${app.key}.md) | ${[...new Set(app.auth.map((o) => code(o.type)))].join(', ')} | ${actions.map((d) => code(d.key)).join(', ')} |`,
    )
    const notes = reviewNotes(app)
    if (notes.length > 0) review.push(`| [${cell(app.name)}](${app.key}.md) | ${codeCell(notes.join('; '))} |`)
    pages.set(`${app.key}.md`, appPage(app, actions, header))
  }
  pages.set('README.md', `${[...index, '', ...review].join('\n')}\n`)
  return pages
}

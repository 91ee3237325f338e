import { PatchbayError } from '../errors.js'
import { type Static, Type } from '@sinclair/typebox'
import { ref } from '../lib/schema-ref.js'
import type { PartnerApps } from '../partners/partner-apps.js'
import type { App, AuthOption, Field } from './app-schema.js'
import type { Catalog } from './load-catalog.js'
import { connectionParamsFor } from './template.js'
import { needsNoConnection, usableOptions } from './usable-options.js'

export const AppFieldJson = Type.Object(
  {
    key: Type.String(),
    label: Type.String(),
    kind: Type.Union([Type.Literal('param'), Type.Literal('credential')], {
      description: '`param`: a connection parameter (`params` of POST /v1/connections); `credential`: a credential field (`credentials`).',
    }),
    help: Type.Optional(Type.String()),
    pattern: Type.Optional(Type.String({ description: 'Regular expression the value must match.' })),
    example: Type.Optional(Type.String()),
    secret: Type.Boolean({ description: 'Render as a password input; the value is never returned by the API.' }),
    optional: Type.Boolean(),
    prefix: Type.Optional(Type.String()),
    suffix: Type.Optional(Type.String()),
    default: Type.Optional(Type.String({ description: 'Used when an optional field is left empty.' })),
  },
  { $id: 'AppField', additionalProperties: false, description: 'A field the user supplies to connect the app.' },
)

export const AppAuthOptionJson = Type.Object(
  {
    key: Type.String(),
    type: Type.Union(
      ['oauth2', 'oauth2_client_credentials', 'oauth1', 'api_key', 'basic', 'none'].map((t) => Type.Literal(t)),
      { description: 'oauth2 and oauth1 connect in the Connect UI only; the others also through POST /v1/connections.' },
    ),
    label: Type.String(),
    fields: Type.Array(ref(AppFieldJson), { description: 'What the user supplies: connection parameters, then credential fields.' }),
  },
  { $id: 'AppAuthOption', additionalProperties: false, description: 'One way to connect the app.' },
)

/** An app as the REST API describes it: what it is and how to connect it, never a secret. */
export const AppJson = Type.Object(
  {
    key: Type.String(),
    name: Type.String(),
    description: Type.String(),
    categories: Type.Array(Type.String()),
    logo_url: Type.Union([Type.String(), Type.Null()]),
    brand_color: Type.Union([Type.String(), Type.Null()]),
    docs_url: Type.String({ description: "The provider's developer documentation." }),
    auth: Type.Array(ref(AppAuthOptionJson), { description: 'The ways this partner offers to connect the app.' }),
    connect_link: Type.Union([Type.String(), Type.Null()], {
      description:
        'Opens the Connect UI for this app; add `?token=<connect session code>`. Null when the app needs no connection: its actions run without one.',
    }),
  },
  { $id: 'App', additionalProperties: false, description: 'An app of the catalog as the partner offers it.' },
)
export type AppJson = Static<typeof AppJson>

export function authOptionLabel(option: AuthOption): string {
  if (option.label) return option.label
  switch (option.type) {
    case 'oauth2':
    case 'oauth1':
      return 'Sign in'
    case 'api_key':
      return 'API key'
    case 'basic':
      return 'Username and password'
    case 'oauth2_client_credentials':
      return 'Client credentials'
    default:
      return 'No authentication'
  }
}

function fieldJson(field: Field, kind: 'param' | 'credential'): Static<typeof AppFieldJson> {
  return {
    key: field.key,
    label: field.label,
    kind,
    ...(field.help !== undefined ? { help: field.help } : {}),
    ...(field.pattern !== undefined ? { pattern: field.pattern } : {}),
    ...(field.example !== undefined ? { example: field.example } : {}),
    secret: field.secret === true,
    optional: field.optional === true,
    ...(field.prefix !== undefined ? { prefix: field.prefix } : {}),
    ...(field.suffix !== undefined ? { suffix: field.suffix } : {}),
    ...(field.default !== undefined ? { default: field.default } : {}),
  }
}

/**
 * The catalog as one partner sees it: apps it can offer (OAuth apps once it configured its own
 * client, see usableOptions; apps needing no connection always), each with the auth options it can
 * use, their fields as form descriptors, and its connect link (null for apps needing no connection).
 */
export class AppDirectory {
  constructor(
    /** `config` is read on each call: the public URL is known only once the server listens (port 0). */
    private readonly deps: { catalog: Catalog; partnerApps: PartnerApps; config: { readonly publicUrl: string } },
  ) {}

  async list(partnerId: string): Promise<AppJson[]> {
    const configured = await this.deps.partnerApps.configuredKeys(partnerId)
    return this.deps.catalog.list().flatMap((app) => {
      const described = this.describe(app, configured)
      return described ? [described] : []
    })
  }

  /**
   * A page of the apps this partner offers, by key, after `cursor` (a key from a previous page):
   * optionally of one category, or whose key, name or description holds every word of `q`.
   */
  async page(
    partnerId: string,
    options: { q?: string; category?: string; cursor?: string; limit: number },
  ): Promise<{ data: AppJson[]; next_cursor: string | null }> {
    const words = (options.q ?? '').toLowerCase().split(/\s+/).filter(Boolean)
    const after = options.cursor === undefined ? undefined : Buffer.from(options.cursor, 'base64url').toString('utf8')
    // Any well-formed key: the app a cursor names may have left the catalog since (the next page starts after it all the same).
    if (after !== undefined && !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(after)) {
      throw new PatchbayError('PB_ERR_VALIDATION', 'querystring.cursor is not a next_cursor value from a previous page')
    }
    const matching = (await this.list(partnerId)).filter((app) => {
      if (after !== undefined && app.key <= after) return false
      if (options.category !== undefined && !app.categories.includes(options.category)) return false
      const text = `${app.key} ${app.name} ${app.description}`.toLowerCase()
      return words.every((w) => text.includes(w))
    })
    const data = matching.slice(0, options.limit)
    const last = data[data.length - 1]
    return { data, next_cursor: matching.length > options.limit && last ? Buffer.from(last.key).toString('base64url') : null }
  }

  /** The app, or undefined when it does not exist or this partner cannot offer it. */
  async get(partnerId: string, key: string): Promise<AppJson | undefined> {
    const app = this.deps.catalog.get(key)
    return app ? this.describe(app, await this.deps.partnerApps.configuredKeys(partnerId)) : undefined
  }

  private describe(app: App, configured: ReadonlySet<string>): AppJson | undefined {
    const noConnection = needsNoConnection(app)
    const options = noConnection ? app.auth : usableOptions(app, configured)
    if (options.length === 0) return undefined
    const base = this.deps.config.publicUrl.replace(/\/+$/, '')
    return {
      key: app.key,
      name: app.name,
      description: app.description,
      categories: [...app.categories],
      logo_url: this.deps.catalog.logoPath(app.key) ? `${base}/assets/apps/${app.key}.svg` : null,
      brand_color: app.brand_color ?? null,
      docs_url: app.docs_url,
      auth: options.map((option) => ({
        key: option.key,
        type: option.type,
        label: authOptionLabel(option),
        fields: [
          ...connectionParamsFor(app, option).map((f) => fieldJson(f, 'param')),
          ...('credential_fields' in option ? option.credential_fields : []).map((f) => fieldJson(f, 'credential')),
        ],
      })),
      connect_link: noConnection ? null : `${base}/to/${encodeURIComponent(app.key)}`,
    }
  }
}

import { type Static, Type } from '@sinclair/typebox'

/**
 * The schema of one catalog entry (packages/catalog/apps/<key>/app.yaml). Entries are data, not
 * code: everything the Connect UI, the OAuth flows and the proxy need to know about an app.
 *
 * Templates: URLs and header values may contain `{params.<name>}` (a connection parameter the
 * user typed, validated by its pattern), `{credentials.<name>}` (a credential field or token),
 * `{metadata.<name>}` (a non-secret value read from the token response, e.g. Salesforce's
 * instance_url) and `{settings.<name>}` (a non-secret value the partner configured for the app,
 * declared in `settings`). Every URL built from a template must be https and stay under
 * `api.allowed_hosts`. A URL template may start with a whole-URL placeholder
 * (`{metadata.instance_url}/services/data`) only from metadata or settings: the runtime checks that
 * value as a URL (https, no userinfo, host allowed) before anything is appended to it.
 * Semantic rules beyond this schema (placeholders declared, patterns anchored, hosts allowed) are
 * enforced by `validateApp` in load-catalog.ts.
 */

const Key = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' })
/** `https://…`, or a whole-URL placeholder from metadata or settings (`{metadata.instance_url}/…`). */
const HttpsUrlTemplate = Type.String({ pattern: '^(https://|\\{(metadata|settings)\\.[A-Za-z_][A-Za-z0-9_]*\\})', maxLength: 2048 })
const StringMap = Type.Record(Type.String(), Type.String())

/** A field the user fills in: a connection parameter or a credential. */
export const FieldSchema = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
    label: Type.String({ minLength: 1, maxLength: 100 }),
    help: Type.Optional(Type.String({ maxLength: 500 })),
    /** Anchored regular expression the value must match (required for connection parameters). */
    pattern: Type.Optional(Type.String({ maxLength: 300 })),
    example: Type.Optional(Type.String({ maxLength: 200 })),
    /** Secret values are encrypted at rest, rendered as password inputs and never returned by the API. */
    secret: Type.Boolean({ default: false }),
    optional: Type.Boolean({ default: false }),
    /** Text shown before / after the input, e.g. "https://" and ".zendesk.com". */
    prefix: Type.Optional(Type.String({ maxLength: 60 })),
    suffix: Type.Optional(Type.String({ maxLength: 60 })),
    /**
     * Value used when an optional field is left empty (Microsoft's tenant: `common`). Must match
     * `pattern`.
     */
    default: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

/** A request that proves credentials work and tells who they belong to. */
export const CredentialCheckSchema = Type.Object(
  {
    method: Type.Union([Type.Literal('GET'), Type.Literal('POST')], { default: 'GET' }),
    /** Absolute (templated) URL, or a path relative to api.base_url. */
    url: Type.String({ maxLength: 2048 }),
    headers: Type.Optional(StringMap),
    body: Type.Optional(Type.String({ maxLength: 4096 })),
    /** Dotted path into the JSON response for the account identifier (email, login, workspace). */
    account_identifier: Type.Optional(Type.String({ maxLength: 200 })),
    /** Extra non-secret values to keep as connection metadata: name → dotted path. */
    metadata: Type.Optional(StringMap),
  },
  { additionalProperties: false },
)

/** How credentials travel on API calls (proxy and actions). Values are templates. */
export const InjectSchema = Type.Object(
  {
    headers: Type.Optional(StringMap),
    query: Type.Optional(StringMap),
  },
  { additionalProperties: false },
)

const TokenResponseSchema = Type.Object(
  {
    /** Dotted paths when the provider nests its tokens (Slack user tokens: authed_user.access_token). */
    access_token: Type.String({ default: 'access_token' }),
    refresh_token: Type.String({ default: 'refresh_token' }),
    expires_in: Type.String({ default: 'expires_in' }),
    scope: Type.String({ default: 'scope' }),
    /** Non-secret values kept as connection metadata: name → dotted path (e.g. instance_url). */
    metadata: Type.Optional(StringMap),
    /** Some providers answer errors with HTTP 200 and `ok: false` (Slack): the path of that flag. */
    ok_flag: Type.Optional(Type.String()),
  },
  { additionalProperties: false, default: {} },
)

const CommonAuth = {
  key: Key,
  label: Type.Optional(Type.String({ maxLength: 100 })),
  credential_check: Type.Optional(CredentialCheckSchema),
  /**
   * Why this option has no `credential_check`: the provider's API has no call that proves these
   * credentials and names their account (catalog entries need one or the other: docs/catalog.md, "Checks").
   */
  no_credential_check: Type.Optional(Type.String({ minLength: 10, maxLength: 300 })),
  inject: Type.Optional(InjectSchema),
  /** Connection parameters this option needs in addition to the app's. */
  connection_params: Type.Optional(Type.Array(FieldSchema, { maxItems: 10 })),
}

export const OAuth2Schema = Type.Object(
  {
    ...CommonAuth,
    type: Type.Literal('oauth2'),
    /**
     * Issuer for discovery (RFC 8414 / OIDC) and for the RFC 9207 `iss` check. With `discovery` and
     * no issuer here, the issuer is the partner's `issuer` setting for the app (see `settings`).
     */
    issuer: Type.Optional(Type.String({ maxLength: 2048 })),
    /**
     * Take endpoints from the issuer's discovery document instead of listing them. Without a
     * `credential_check`, such an option proves the token and reads the account identifier (`email`)
     * at the document's `userinfo_endpoint`.
     */
    discovery: Type.Boolean({ default: false }),
    authorization_url: Type.Optional(HttpsUrlTemplate),
    token_url: Type.Optional(HttpsUrlTemplate),
    revocation_url: Type.Optional(HttpsUrlTemplate),
    scopes: Type.Array(Type.String({ maxLength: 300 }), { default: [] }),
    /**
     * Scopes an action may need that Patchbay does not ask for by default (Gmail, Calendar…): a partner
     * asks for them with its partner app's `scopes` (docs/catalog.md, "Optional scopes").
     */
    optional_scopes: Type.Optional(Type.Array(Type.String({ maxLength: 300 }))),
    scope_separator: Type.String({ default: ' ', maxLength: 3 }),
    /**
     * The provider's incremental authorization, from its public docs: the authorization parameters
     * under which a new grant keeps the scopes granted earlier (Google: `include_granted_scopes=true`).
     * A scope upgrade then asks only for the added scopes; without it, for the connection's scopes
     * plus the added ones (docs/api.md, "Upgrading scopes").
     */
    incremental_authorization: Type.Optional(StringMap),
    /** Name of the authorize parameter carrying scopes (Slack user tokens: user_scope). */
    scope_param: Type.String({ default: 'scope' }),
    pkce: Type.Boolean({ default: true }),
    authorization_params: Type.Optional(StringMap),
    token_params: Type.Optional(StringMap),
    /** Extra headers on token requests (GitHub answers form-encoded unless sent `Accept: application/json`). */
    token_headers: Type.Optional(StringMap),
    token_auth_method: Type.Union([Type.Literal('client_secret_post'), Type.Literal('client_secret_basic')], {
      default: 'client_secret_post',
    }),
    token_request_format: Type.Union([Type.Literal('form'), Type.Literal('json')], { default: 'form' }),
    token_response: TokenResponseSchema,
    refresh: Type.Boolean({ default: true }),
    /**
     * The provider's docs say each refresh returns a new refresh token and the old one stops working
     * (stored at once in one transaction, see docs/catalog.md "Refresh behaviour"); listed for review.
     */
    rotating_refresh_token: Type.Optional(Type.Boolean()),
    /**
     * The provider takes no scopes in the authorization request: they are set on the OAuth app itself,
     * or there are none (catalog entries list `scopes` otherwise: docs/catalog.md, "Checks").
     */
    scopes_from_app: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export const OAuth2ClientCredentialsSchema = Type.Object(
  {
    ...CommonAuth,
    type: Type.Literal('oauth2_client_credentials'),
    token_url: HttpsUrlTemplate,
    scopes: Type.Array(Type.String(), { default: [] }),
    scope_separator: Type.String({ default: ' ', maxLength: 3 }),
    /** Extra body parameters; may override `grant_type` (Zoom: `account_credentials`). */
    token_params: Type.Optional(StringMap),
    /** Extra headers on token requests. */
    token_headers: Type.Optional(StringMap),
    token_auth_method: Type.Union([Type.Literal('client_secret_post'), Type.Literal('client_secret_basic')], {
      default: 'client_secret_basic',
    }),
    /**
     * The user's own client id / secret (and any other field), typed into the Connect UI. Must include
     * `client_id` and `client_secret`, which authenticate the token request.
     */
    credential_fields: Type.Array(FieldSchema, { minItems: 1, maxItems: 10 }),
    token_response: TokenResponseSchema,
  },
  { additionalProperties: false },
)

export const OAuth1Schema = Type.Object(
  {
    ...CommonAuth,
    type: Type.Literal('oauth1'),
    request_token_url: HttpsUrlTemplate,
    authorization_url: HttpsUrlTemplate,
    access_token_url: HttpsUrlTemplate,
    signature_method: Type.Union([Type.Literal('HMAC-SHA1'), Type.Literal('HMAC-SHA256')], { default: 'HMAC-SHA1' }),
    authorization_params: Type.Optional(StringMap),
  },
  { additionalProperties: false },
)

export const ApiKeySchema = Type.Object(
  {
    ...CommonAuth,
    type: Type.Literal('api_key'),
    credential_fields: Type.Array(FieldSchema, { minItems: 1, maxItems: 10 }),
  },
  { additionalProperties: false },
)

export const BasicSchema = Type.Object(
  {
    ...CommonAuth,
    type: Type.Literal('basic'),
    /** Usually `username` and `password` (or an email and an API token), both required. */
    credential_fields: Type.Array(FieldSchema, { minItems: 1, maxItems: 10 }),
    /** Templates for the two halves of the Basic header. */
    username: Type.String({ default: '{credentials.username}' }),
    password: Type.String({ default: '{credentials.password}' }),
  },
  { additionalProperties: false },
)

export const NoAuthSchema = Type.Object(
  {
    key: Key,
    type: Type.Literal('none'),
    label: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
)

export const AuthOptionSchema = Type.Union([
  OAuth2Schema,
  OAuth2ClientCredentialsSchema,
  OAuth1Schema,
  ApiKeySchema,
  BasicSchema,
  NoAuthSchema,
])

export const AppSchema = Type.Object(
  {
    key: Key,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.String({ maxLength: 500 }),
    categories: Type.Array(Type.String({ pattern: '^[a-z0-9-]+$' }), { minItems: 1 }),
    /** The provider's public developer documentation this entry was written from. */
    docs_url: Type.String({ pattern: '^https://' }),
    /** File name of the logo beside app.yaml (SVG). */
    logo: Type.String({ pattern: '^[a-z0-9_-]+\\.svg$', default: 'logo.svg' }),
    brand_color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
    api: Type.Object(
      {
        /** Templated base URL of the app's API; the proxy appends the caller's path to it. */
        base_url: HttpsUrlTemplate,
        /**
         * Other base URLs of the same API, by name, for apps that serve parts of it on other hosts
         * (Google Sheets on sheets.googleapis.com, Dropbox file contents on content.dropboxapi.com).
         * An action picks one with `ctx.http.request({ base: '<name>', … })`; same credentials, same
         * host rules as `base_url`.
         */
        base_urls: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' }), HttpsUrlTemplate, { maxProperties: 5 })),
        /**
         * Host names (a leading `*.` allows subdomains) every templated URL must stay under. Matching
         * is exact or on a dot boundary (`*.example.com` allows `a.example.com`, not `example.com`).
         * At least one is required unless `dynamic_hosts` is true.
         */
        allowed_hosts: Type.Array(Type.String({ pattern: '^(\\*\\.)?[a-z0-9.-]+$' })),
        /**
         * The app's hosts cannot be listed in the catalog because they come from the partner's
         * settings for this app (the issuer and api_base_url of the generic OIDC app) or, for an app
         * without auth, from each action's input (the generic HTTP app). The runtime then allows the
         * exact hosts of the partner's https settings and of the issuer's discovery endpoints (see
         * `allowedHostsFor`), and the outbound address policy still applies to every request. Never a
         * wildcard: `allowed_hosts: ["*"]` is rejected by the pattern above.
         */
        dynamic_hosts: Type.Optional(Type.Boolean()),
        /** Headers every API call needs (e.g. an API version header). */
        headers: Type.Optional(StringMap),
      },
      { additionalProperties: false },
    ),
    /** Parameters every auth option needs (e.g. a subdomain), each with a strict pattern. */
    connection_params: Type.Array(FieldSchema, { default: [], maxItems: 10 }),
    /**
     * Non-secret settings a partner gives alongside its own OAuth client for this app (stored in
     * partner_apps.settings), each with a strict pattern, usable in templates as `{settings.<key>}`:
     * e.g. the issuer of the generic OIDC app.
     */
    settings: Type.Optional(Type.Array(FieldSchema, { maxItems: 10 })),
    auth: Type.Array(AuthOptionSchema, { minItems: 1, maxItems: 5 }),
    /**
     * What the provider's docs say that is unusual (a non-standard token response, tokens that never
     * expire, a rotating refresh token, an approval step), one sentence each: shown on the app's
     * setup page and in the review list (docs/catalog.md).
     */
    quirks: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 400 }), { maxItems: 8 })),
  },
  { additionalProperties: false },
)

export type Field = Static<typeof FieldSchema>
export type CredentialCheck = Static<typeof CredentialCheckSchema>
export type OAuth2Option = Static<typeof OAuth2Schema>
export type OAuth2ClientCredentialsOption = Static<typeof OAuth2ClientCredentialsSchema>
export type OAuth1Option = Static<typeof OAuth1Schema>
export type ApiKeyOption = Static<typeof ApiKeySchema>
export type BasicOption = Static<typeof BasicSchema>
export type NoAuthOption = Static<typeof NoAuthSchema>
export type AuthOption = Static<typeof AuthOptionSchema>
export type App = Static<typeof AppSchema>

import { type Static, Type } from '@sinclair/typebox'
import { ToolsetDefinition } from '../mcp/toolset-definition.js'

/** Asymmetric algorithms only (RFC 8725 §3.1): a partner signs, Patchbay verifies with public keys. */
export const allowedAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const
export type JwtAlgorithm = (typeof allowedAlgorithms)[number]

const Jwk = Type.Object({ kty: Type.String() }, { additionalProperties: true })

const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })
const LogoUrl = Type.String({ pattern: '^(https://|/)[^\\s"<>]*$', maxLength: 2048 })
const ThemeMode = Type.Union([Type.Literal('light'), Type.Literal('dark'), Type.Literal('auto')])

/** How the Connect UI looks for this partner; `theme=<name>` in the Connect UI URL picks a named theme. */
export const Branding = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    logoUrl: Type.Optional(LogoUrl),
    brandColor: Type.Optional(Color),
    mode: Type.Optional(ThemeMode),
    themes: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }),
        Type.Object(
          { mode: Type.Optional(ThemeMode), brandColor: Type.Optional(Color), logoUrl: Type.Optional(LogoUrl) },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
)
export type Branding = Static<typeof Branding>

/** The partner's own OAuth client (or settings) for one app, as declared in the config file. */
export const PartnerAppInput = Type.Object(
  {
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    /** Name of the environment variable holding the client secret (secrets stay out of config files). */
    clientSecretEnv: Type.Optional(Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$' })),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 300 }))),
    /** Issuer of a generic OAuth2/OIDC app (discovery). */
    issuer: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
  },
  { additionalProperties: false },
)
export type PartnerAppInput = Static<typeof PartnerAppInput>

/** A partner as an operator declares it in the config file or through the CLI. */
export const PartnerInput = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'Stable partner id (slug).' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    jwksUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    jwks: Type.Optional(Type.Object({ keys: Type.Array(Jwk, { minItems: 1, maxItems: 50 }) })),
    algorithms: Type.Array(Type.Union(allowedAlgorithms.map((a) => Type.Literal(a))), {
      minItems: 1,
      default: ['RS256', 'ES256'],
    }),
    issuer: Type.String({ minLength: 1, maxLength: 2048 }),
    audience: Type.String({ minLength: 1, maxLength: 2048 }),
    userClaim: Type.String({ minLength: 1, maxLength: 200, default: 'sub' }),
    /** Claim holding the tenant (workspace) id; without it every user is in tenant "default". */
    tenantClaim: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    clientId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._~-]{1,128}$' })),
    /** `sha256$…` as printed by `patchbay partner hash-secret`; the plain secret is never stored. */
    clientSecretHash: Type.Optional(Type.String({ pattern: '^sha256\\$[A-Za-z0-9_-]{43}$' })),
    redirectUris: Type.Array(Type.String({ pattern: '^https?://', maxLength: 2048 }), { default: [] }),
    allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/]+$', maxLength: 2048 }), { default: [] }),
    webhookUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    /**
     * Name of the environment variable holding the partner's webhook secret (`whsec_…`; config
     * file only). Without it Patchbay keeps the secret it generated (`patchbay partner webhook-secret`).
     */
    webhookSecretEnv: Type.Optional(Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$' })),
    branding: Type.Optional(Branding),
    /** Per-app OAuth clients (config file only; the CLI has `partner app`). */
    apps: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }), PartnerAppInput)),
    /** MCP toolsets by name (docs/mcp.md, "Toolsets"); the API and the CLI manage them too. */
    toolsets: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }), ToolsetDefinition)),
  },
  { additionalProperties: false },
)
export type PartnerInput = Static<typeof PartnerInput>

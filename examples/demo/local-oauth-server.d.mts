/** Types of local-oauth-server.mjs (plain JavaScript, so that the demo runs with node directly). */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** What the browser tests click on the provider's pages. */
export declare const providerSelectors: {
  /** The login page's form (present only while the provider asks for a login). */
  readonly loginForm: 'form#provider-login'
  /** Text field: any non-empty username signs in as that account (the account id is the username). */
  readonly username: 'input#provider-username'
  /** Submits the login form. */
  readonly signIn: 'button#provider-sign-in'
  /** The consent page's form. */
  readonly consentForm: 'form#provider-consent'
  /** One `li` per scope being requested, text is the scope value. */
  readonly consentScopes: 'ul#provider-scopes li'
  /** Grants the requested scopes: the flow continues to redirect_uri with a code. */
  readonly allow: 'button#provider-allow'
  /** Refuses: the flow ends at redirect_uri with error=access_denied. */
  readonly deny: 'button#provider-deny'
  /** The provider's error page heading (shown when it cannot redirect back, e.g. a bad redirect_uri). */
  readonly errorTitle: 'h1#provider-error'
}

export interface OAuthClientOptions {
  /** Default: a random `client-…` id. */
  clientId?: string
  /** Default: 32 random bytes, base64url. */
  clientSecret?: string
  /** Can be left empty and set later with `setRedirectUris` (Patchbay's callback URL is known only after it starts). */
  redirectUris?: string[]
  /** The registered method; oidc-provider accepts client_secret_basic and client_secret_post for either. Default basic. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post'
  /** Default ['authorization_code', 'refresh_token']. Without refresh_token no refresh token is issued. */
  grantTypes?: string[]
}

/** One request the provider answered (see `onTiming`). */
export interface ProviderTiming {
  method: string
  path: string
  status: number
  /** Time spent inside the provider, from the request reaching it to its response being ready. */
  ms: number
}

export interface OAuthProviderOptions {
  /** Default: one client with generated credentials and no redirect URI yet. */
  clients?: OAuthClientOptions[]
  /** Access token lifetime in seconds. Default 60. */
  accessTokenTtl?: number
  /** Refresh token lifetime in seconds. Default 1 day. */
  refreshTokenTtl?: number
  /** Non-OIDC scopes the provider knows besides openid email profile offline_access. Default ['api:read', 'api:write']. */
  customScopes?: string[]
  /**
   * Remember a given consent (like most real providers): a later authorization of the same account and client in
   * the same browser skips the consent page. Default true. With false, the consent page shows every time.
   */
  rememberConsent?: boolean
  /** Claims for known usernames; any other username gets email `${username}@example.test` and name = username. */
  accounts?: Record<string, { email?: string; name?: string }>
  /** Initial Cross-Origin-Opener-Policy value for the provider's responses (see `setCoop`). */
  coop?: string
  /** Port on 127.0.0.1. Default 0 (any free port). A taken port rejects with the listen error (EADDRINUSE). */
  port?: number
  /** Names and styles the login and consent pages (the demo's "Acme Cloud"). Without it the pages are bare. */
  brand?: { name: string; color?: string }
  /**
   * Called first for every request; resolving to true means it answered the request itself (e.g. a small API
   * beside the authorization server), false hands it to the authorization server.
   */
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>
  /** Called after every request the authorization server answered, with the time it took (benchmarks). */
  onTiming?: (timing: ProviderTiming) => void
}

export interface OAuthTestClient {
  readonly clientId: string
  readonly clientSecret: string
  readonly tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post'
  /** The currently registered redirect URIs. */
  readonly redirectUris: readonly string[]
  /** Replaces the registered redirect URIs; takes effect on the next request. */
  setRedirectUris(uris: string[]): void
}

export interface TokenCall {
  grantType: string
  clientId: string | undefined
  /** How the client authenticated, as seen on the wire. */
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'none'
  status: number
  /** The OAuth error code of a failed call (e.g. invalid_grant). */
  error: string | undefined
}

export interface ProviderStats {
  /** Token endpoint calls by grant_type (authorization_code, refresh_token, ...), failed ones included. */
  readonly token: Record<string, number>
  /** Every token endpoint call in order, without any secret. */
  readonly tokenCalls: TokenCall[]
  /** Requests to the authorization endpoint. */
  authorization: number
  /** Requests to the userinfo endpoint (the provider's "API": it answers 401 to an expired or revoked token). */
  userinfo: number
  /** Requests to the revocation endpoint. */
  revocation: number
  /** Zeroes every counter. */
  reset(): void
}

export interface OAuthProviderEndpoints {
  discovery: string
  authorization: string
  token: string
  userinfo: string
  revocation: string
  jwks: string
}

export interface OAuthProvider {
  /** `http://127.0.0.1:<port>`, also the `iss` of authorization responses and tokens. */
  readonly issuer: string
  readonly endpoints: OAuthProviderEndpoints
  /** The configured clients, in the order given. */
  readonly clients: readonly OAuthTestClient[]
  /** Registers another client while running. */
  addClient(options?: OAuthClientOptions): OAuthTestClient
  /** Shortcut: sets the redirect URIs of a client (default the first one). */
  setRedirectUris(uris: string[], clientId?: string): void
  readonly stats: ProviderStats
  /** Lifetime in seconds of access tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void
  /** Delays every token endpoint response by this many ms (widens race windows in refresh tests). 0 = none. */
  setTokenDelay(ms: number): void
  /** Holds every token endpoint response this many ms AFTER the request was processed (tokens already issued). 0 = none. */
  setTokenResponseDelay(ms: number): void
  /** Sets (or with undefined removes) the Cross-Origin-Opener-Policy header on every provider response. */
  setCoop(value: string | undefined): void
  /**
   * Revokes every grant, as if each user disconnected the app at the provider: every access and refresh token dies
   * (refresh answers invalid_grant, userinfo 401) and the next authorization asks for consent again. Returns the
   * number of grants revoked.
   */
  revokeAllGrants(): number
  /** Ends every login session, so the next authorization shows the login page again. */
  forgetSessions(): void
  close(): Promise<void>
}

/**
 * Starts the provider on 127.0.0.1: confidential clients, code flow with PKCE S256 required and RFC 9207 `iss`,
 * rotating refresh tokens, userinfo, revocation, its own login and consent pages.
 */
export declare function startOAuthProvider(options?: OAuthProviderOptions): Promise<OAuthProvider>

// Minimal types for oidc-provider v9, which ships none. Only what the test harness uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export interface AdapterPayload {
    [key: string]: unknown
    grantId?: string
    uid?: string
    userCode?: string
    consumed?: number
    jti?: string
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>
    find(id: string): Promise<AdapterPayload | undefined>
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>
    findByUid(uid: string): Promise<AdapterPayload | undefined>
    consume(id: string): Promise<void>
    destroy(id: string): Promise<void>
    revokeByGrantId(grantId: string): Promise<void>
  }

  export type AdapterFactory = (model: string) => Adapter

  export interface Client {
    readonly clientId: string
    readonly clientAuthMethod: string
    grantTypeAllowed(type: string): boolean
  }

  export interface Account {
    accountId: string
    claims(use: string, scope: string, claims: unknown, rejected: string[]): Promise<Record<string, unknown>> | Record<string, unknown>
  }

  export interface Session {
    accountId?: string
    grantIdFor(clientId: string): string | undefined
  }

  export interface OIDCContext {
    readonly route?: string
    readonly params?: Record<string, unknown>
    readonly body?: Record<string, unknown>
    readonly client?: Client
    readonly session?: Session
    readonly result?: { consent?: { grantId?: string } }
    readonly provider: Provider
  }

  /** The slice of a Koa context the harness touches (koa ships without types here too). */
  export interface KoaContext {
    readonly method: string
    readonly path: string
    readonly req: IncomingMessage
    readonly res: ServerResponse
    readonly headers: Record<string, string | string[] | undefined>
    status: number
    body: unknown
    type: string
    set(field: string, value: string): void
    remove(field: string): void
    readonly oidc?: OIDCContext
  }

  export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>

  export interface InteractionDetails {
    uid: string
    prompt: {
      name: string
      reasons: string[]
      details: {
        missingOIDCScope?: string[]
        missingOIDCClaims?: string[]
        missingResourceScopes?: Record<string, string[]>
        [key: string]: unknown
      }
    }
    params: Record<string, unknown> & { client_id?: string; scope?: string }
    session?: { accountId: string; uid: string; cookie: string }
    grantId?: string
  }

  export interface InteractionResults {
    login?: { accountId: string; remember?: boolean }
    consent?: { grantId: string }
    error?: string
    error_description?: string
  }

  export interface Grant {
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    addResourceScope(indicator: string, scope: string): void
    save(): Promise<string>
  }

  export interface GrantConstructor {
    new (properties: { accountId: string; clientId: string }): Grant
    find(id: string): Promise<Grant | undefined>
  }

  export type TtlFunction = (ctx: KoaContext, token: unknown, client: Client) => number
  export type CanBePromise<T> = T | Promise<T>

  export interface Configuration {
    adapter?: AdapterFactory
    clients?: Record<string, unknown>[]
    findAccount?: (ctx: KoaContext, sub: string, token?: unknown) => CanBePromise<Account | undefined>
    jwks?: { keys: Record<string, unknown>[] }
    cookies?: { keys?: string[]; long?: Record<string, unknown>; short?: Record<string, unknown> }
    claims?: Record<string, string[] | null>
    scopes?: string[]
    features?: Record<string, Record<string, unknown>>
    pkce?: { required?: (ctx: KoaContext, client: Client) => boolean }
    issueRefreshToken?: (ctx: KoaContext, client: Client, code: unknown) => CanBePromise<boolean>
    rotateRefreshToken?: boolean | ((ctx: KoaContext) => CanBePromise<boolean>)
    expiresWithSession?: (ctx: KoaContext, code: unknown) => CanBePromise<boolean>
    loadExistingGrant?: (ctx: KoaContext & { oidc: OIDCContext }) => CanBePromise<Grant | undefined>
    ttl?: Record<string, number | TtlFunction>
    routes?: Record<string, string>
    interactions?: { url?: (ctx: KoaContext, interaction: { uid: string }) => CanBePromise<string> }
    renderError?: (ctx: KoaContext, out: Record<string, string>, error: Error) => CanBePromise<void>
    clientBasedCORS?: (ctx: KoaContext, origin: string, client: Client) => boolean
    [key: string]: unknown
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    proxy: boolean
    readonly Grant: GrantConstructor
    use(fn: Middleware): this
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>
    on(event: string, listener: (...args: unknown[]) => void): this
  }

  export default Provider
}

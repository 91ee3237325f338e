import type { Logger } from 'pino'
import { JwksCache } from './token-server/jwks-cache.js'
import { type Catalog, loadCatalog } from './catalog/load-catalog.js'
import type { Config } from './config/config.js'
import { ConnectionStore } from './connections/connection-store.js'
import { CredentialService } from './credentials/credential-service.js'
import type { PatchbayDatabase } from './db/database.js'
import { createExchangeWrites, type ExchangeWrites } from './token-server/exchange-writes.js'
import { DiscoveryCache } from './provider-oauth/oauth2/discovery.js'
import { AddressPolicy } from './outbound/address-policy.js'
import { SafeHttpClient } from './outbound/safe-fetch.js'
import { PartnerApps } from './partners/partner-apps.js'
import { PartnerStore } from './partners/partner-store.js'
import { ProxyService } from './proxy/proxy.js'
import { createRateLimitCounter, type RateLimitCounter } from './rate-limit/counter.js'
import { CredentialAttempts } from './rate-limit/credential-attempts.js'
import { ConnectSessions } from './connect/sessions/connect-sessions.js'
import { ConnectLinks } from './connect/links/connect-links.js'
import { ConnectFlow } from './connect/flow/connect-flow.js'
import { OAuthFlowStore } from './connect/flow/oauth-flow-store.js'
import { AppDirectory } from './catalog/app-directory.js'
import { ConnectionService } from './connections/connection-service.js'
import { CredentialConnections } from './credentials/create-from-credentials.js'
import { WebhookEvents } from './webhooks/webhook-events.js'
import { AccessTokens } from './access-tokens/access-tokens.js'
import { loadVault } from './vault/key-setup.js'
import type { Vault } from './vault/vault.js'
import { WebhookSecrets } from './webhooks/webhook-secrets.js'
import { ActionRegistry } from './actions/action-registry.js'
import { ActionService } from './actions/action-service.js'
import { RunExecutor } from './runs/run-executor.js'
import { RunService } from './runs/run-service.js'
import { RunStore } from './runs/run-store.js'
import { RunWaiters } from './runs/run-waiters.js'
import { ToolsetStore } from './mcp/toolset-store.js'
import { ToolsetService } from './mcp/toolsets.js'
import { McpTools } from './mcp/tool-calls.js'
import { AuditLog } from './audit/audit-log.js'
import { ConsoleAuth } from './console/console-auth.js'
import { ConsoleService } from './console/console-service.js'
import { type Metrics, noMetrics } from './metrics/metrics.js'
import { PrometheusMetrics } from './metrics/prometheus-metrics.js'

/**
 * Everything routes need, built here once per process (and nowhere else) and handed to the Fastify
 * app as a decorator: routes parse, call one of these, and shape the answer (docs/architecture.md).
 */
export interface Services {
  config: Config
  database: PatchbayDatabase
  partners: PartnerStore
  jwks: JwksCache
  accessTokens: AccessTokens
  /** The token exchange's own write path (see oauth/exchange-writes.ts). */
  exchangeWrites: ExchangeWrites
  sessions: ConnectSessions
  /** Connect links: hosted, single-use URLs for one end user (docs/connect-links.md). */
  links: ConnectLinks
  /** Provider authorizations under way (oauth_flows). */
  oauthFlows: OAuthFlowStore
  /** The Connect UI's flows: open, pick, submit, provider callbacks (see connect/flow/). */
  connectFlow: ConnectFlow
  http: SafeHttpClient
  addressPolicy: AddressPolicy
  /** Encrypts and decrypts every stored credential (see vault/vault.ts). */
  vault: Vault
  catalog: Catalog
  partnerApps: PartnerApps
  connections: ConnectionStore
  /** Listing, reading and deleting connections for the REST API. */
  connectionService: ConnectionService
  /** `POST /v1/connections`: connections from supplied credentials. */
  credentialConnections: CredentialConnections
  /** `GET /v1/apps`: the catalog as a partner sees it. */
  appDirectory: AppDirectory
  /** The partner's webhook outbox, read and redelivered through the API. */
  webhookEvents: WebhookEvents
  discovery: DiscoveryCache
  credentials: CredentialService
  /** `/v1/proxy`: calls apps' APIs with a connection's credentials (see proxy/proxy.ts). */
  proxy: ProxyService
  /** Partners' Standard Webhooks secrets, encrypted by the vault. */
  webhookSecrets: WebhookSecrets
  /** Every rate limit's counters: in the database on PostgreSQL, in memory on SQLite (see rate-limit/counter.ts). */
  rateLimits: RateLimitCounter
  /** Credential checks per connect session or end user, and per IP (see rate-limit/credential-attempts.ts). */
  credentialAttempts: CredentialAttempts
  /** Every action this server can run (catalog and custom; see actions/action-registry.ts). */
  actions: ActionRegistry
  /** `/v1/actions`: listing, describing, field options, validation. */
  actionService: ActionService
  runStore: RunStore
  /** Runs one attempt; a runner (embedded or graphile-worker) calls it (see runs/runners/). */
  runExecutor: RunExecutor
  /** `/v1/runs`: create, read (long poll), list, cancel, logs. */
  runService: RunService
  runWaiters: RunWaiters
  /** A partner's MCP toolsets (docs/mcp.md). */
  toolsets: ToolsetService
  /** What the MCP endpoint's tools do. */
  mcpTools: McpTools
  /** Each connection's audit log (docs/operations.md, "Audit log"). */
  audit: AuditLog
  /** The operator console's sign-ins and operator keys (docs/console.md). */
  consoleAuth: ConsoleAuth
  /** What the operator console shows and does. */
  console: ConsoleService
  /** Prometheus metrics of this process, or no-ops when `/metrics` is off (docs/operations.md, "Metrics"). */
  metrics: Metrics
  log: Logger
  close(): Promise<void>
}

/** Without a `vault`, one is built from the configured keys (a ConfigError when there are none outside devMode). */
export function createServices(
  config: Config,
  database: PatchbayDatabase,
  log: Logger,
  vault?: Vault,
  /** Loaded by the caller when it has them (startServer loads the actions, which needs the catalog first). */
  loaded: { catalog?: Catalog; actions?: ActionRegistry } = {},
): Services {
  const actions = loaded.actions ?? new ActionRegistry([])
  const metrics = config.metrics.token || config.metrics.listen ? new PrometheusMetrics(database, log) : noMetrics
  const credentialVault = vault ?? loadVault(config).vault
  const addressPolicy = new AddressPolicy(config.outbound.allowPrivateRanges)
  const http = new SafeHttpClient(addressPolicy)
  const partners = new PartnerStore(database)
  const catalog = loaded.catalog ?? loadCatalog({ extraApps: config.apps })
  const partnerApps = new PartnerApps(database.db, credentialVault)
  const audit = new AuditLog(database.db, config.audit.retentionDays * 24 * 3600 * 1000)
  const connections = new ConnectionStore(database.db, credentialVault, database.changes)
  const discovery = new DiscoveryCache(http, addressPolicy)
  const rateLimits = createRateLimitCounter(database)
  const oauthFlows = new OAuthFlowStore(database.db, credentialVault)
  const sessions = new ConnectSessions(database.db, oauthFlows)
  const links = new ConnectLinks(database.db)
  const credentialAttempts = new CredentialAttempts(rateLimits, config.rateLimit)
  const credentials = new CredentialService({
    db: database.db,
    connections,
    catalog,
    partnerApps,
    http,
    addressPolicy,
    discovery,
    vault: credentialVault,
    log,
    leaseMs: config.refresh.leaseSeconds * 1000,
    rateLimits,
    audit,
    metrics,
  })
  const proxy = new ProxyService({
    db: database.db,
    catalog,
    partnerApps,
    credentials,
    addressPolicy,
    config: config.proxy,
    publicUrl: () => config.publicUrl,
    metrics,
  })
  const serviceDeps = {
    db: database.db,
    connections,
    catalog,
    partnerApps,
    vault: credentialVault,
    http,
    addressPolicy,
    discovery,
    log,
    audit,
  }
  const connectFlow = new ConnectFlow({
    ...serviceDeps,
    config,
    sessions,
    links,
    partners,
    oauthFlows,
    credentialAttempts,
  })
  const appDirectory = new AppDirectory({ catalog, partnerApps, config })
  const runStore = new RunStore(database.db, database.kind === 'postgres', database.pgGenericPool)
  const runExecutor = new RunExecutor({ database, store: runStore, registry: actions, proxy, connections, config, log, metrics })
  const runWaiters = new RunWaiters(database.changes)
  const runService = new RunService({
    database,
    store: runStore,
    registry: actions,
    connections,
    appDirectory,
    sessions,
    executor: runExecutor,
    waiters: runWaiters,
    config,
    audit,
    metrics,
  })
  const actionService = new ActionService({
    registry: actions,
    runs: runService,
    appDirectory,
    connections,
    proxy,
    db: database.db,
    config,
  })
  const connectionService = new ConnectionService({ ...serviceDeps, database })
  const webhookEvents = new WebhookEvents(database.db)
  const consoleService = new ConsoleService({
    db: database.db,
    connections: connectionService,
    audit,
    runs: runService,
    webhookEvents,
    sessions,
    config,
    isIdempotent: (id) => actions.get(id)?.definition.annotations.idempotent === true,
    // The proxy's route label (metrics/http-requests.ts); no chart when metrics are off.
    proxyLatency: async () => (metrics.enabled ? metrics.latencyBuckets('/v1/proxy/') : null),
  })
  return {
    config,
    database,
    audit,
    actions,
    actionService,
    toolsets: new ToolsetService({ store: new ToolsetStore(database.db), registry: actions, catalog, appDirectory, database }),
    mcpTools: new McpTools({
      runs: runService,
      actions: actionService,
      connections: connectionService,
      connectionStore: connections,
      sessions,
      database,
      config,
    }),
    metrics,
    runStore,
    runExecutor,
    runService,
    runWaiters,
    partners,
    addressPolicy,
    http,
    vault: credentialVault,
    log,
    catalog,
    partnerApps,
    connections,
    discovery,
    credentials,
    proxy,
    webhookSecrets: new WebhookSecrets(database.db, credentialVault),
    rateLimits,
    credentialAttempts,
    jwks: new JwksCache(http, partners, config.jwks, log),
    accessTokens: new AccessTokens(database),
    exchangeWrites: createExchangeWrites(database),
    sessions,
    links,
    oauthFlows,
    connectFlow,
    connectionService,
    credentialConnections: new CredentialConnections({ ...serviceDeps, credentialAttempts }),
    appDirectory,
    webhookEvents,
    consoleAuth: new ConsoleAuth(database.db, partners, config.console.sessionTtlSeconds * 1000),
    console: consoleService,
    async close() {
      runWaiters.close()
      await proxy.close()
      await http.close()
    },
  }
}

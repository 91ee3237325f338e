import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Static, Type } from '@sinclair/typebox'
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value'
import { yaml } from '../lib/optional-modules.js'
import { PartnerInput } from '../partners/partner-input.js'

/**
 * Configuration comes from environment variables and an optional config file (YAML or JSON,
 * `PATCHBAY_CONFIG`). Environment variables win over the file. Everything is validated at start;
 * a bad value stops the process with a message naming the setting.
 */
const Seconds = (def: number, min = 1) => Type.Integer({ minimum: min, default: def })

export const ConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
    /** The URL browsers and partners reach Patchbay at; defaults to http://host:port. */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^/]+$' })),
    dataDir: Type.String({ default: '.patchbay', minLength: 1 }),
    /** PostgreSQL when set (postgres://…); the embedded SQLite file under dataDir otherwise. */
    databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** Development mode relaxes what a laptop cannot provide (e.g. generates an encryption key). */
    devMode: Type.Boolean({ default: false }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 }),
    /** Time a client has to send a whole request, headers and body; then it gets a 408 and the connection closes. */
    requestTimeoutMs: Type.Integer({ minimum: 1000, default: 60_000 }),
    /** A connection on which nothing moves for this long is closed; above proxy.headersTimeoutMs, so a slow app is waited for. */
    connectionTimeoutMs: Type.Integer({ minimum: 1000, default: 120_000 }),
    /**
     * Which reverse proxies' X-Forwarded-For to believe for the client IP that per-IP rate limits count
     * (docs/operations.md, "Behind a reverse proxy"): false (the default: the socket's address), true
     * (any), a hop count, or the proxies' addresses and CIDR ranges.
     */
    trustProxy: Type.Union([Type.Boolean(), Type.Integer({ minimum: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      default: false,
    }),
    /** Time requests in flight get to finish on shutdown; then their connections are closed (docs/operations.md). */
    shutdownTimeoutMs: Type.Integer({ minimum: 0, default: 10_000 }),
    accessTokenTtl: Seconds(3600, 60),
    sessionTtl: Seconds(600, 30),
    /** A connect link's lifetime when the partner names none, and the longest it may ask for (docs/connect-links.md). */
    linkTtl: Seconds(24 * 3600, 60),
    linkMaxTtl: Seconds(7 * 24 * 3600, 60),
    jwt: Type.Object(
      {
        /** Tokens larger than this are refused before any parsing or crypto. */
        maxBytes: Type.Integer({ minimum: 256, default: 8192 }),
        /** Upper bound on exp - iat (and on exp - now when iat is absent). */
        maxLifetime: Seconds(3600),
        clockSkew: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
      },
      { default: {} },
    ),
    jwks: Type.Object(
      {
        /** How long a fetched JWKS is used before it is fetched again. */
        cacheTtl: Seconds(300),
        /** During an outage of a partner's JWKS endpoint, the last good keys are used this long past cacheTtl. */
        staleMax: Seconds(6 * 3600, 0),
        /** Minimum time between two fetches triggered by an unknown kid. */
        cooldown: Seconds(30, 0),
        timeoutMs: Type.Integer({ minimum: 100, default: 3000 }),
        maxBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 }),
      },
      { default: {} },
    ),
    rateLimit: Type.Object(
      {
        /** Token endpoint requests per window per client IP. */
        tokenPerIp: Type.Integer({ minimum: 1, default: 600 }),
        /** Token endpoint requests per window per client_id. */
        tokenPerClient: Type.Integer({ minimum: 1, default: 1200 }),
        /** Connect UI requests that present a session code (and the widget's outcome checks), per window per IP. */
        connectPerIp: Type.Integer({ minimum: 1, default: 120 }),
        /** Credentials sent to an app to be checked, per window per connect session (per end user on POST /v1/connections). */
        credentialAttemptsPerSession: Type.Integer({ minimum: 1, default: 10 }),
        /** Credentials sent to an app to be checked from the Connect UI and /connection-popup, per window per IP. */
        credentialAttemptsPerIp: Type.Integer({ minimum: 1, default: 30 }),
        windowSeconds: Seconds(60),
      },
      { default: {} },
    ),
    refresh: Type.Object(
      {
        /** Tokens expiring within this many seconds are refreshed by the background sweep. */
        aheadSeconds: Seconds(600),
        /** How often the sweep runs; 0 turns it off. */
        sweepSeconds: Seconds(60, 0),
        /** How long a process may hold a connection's refresh lease before another may take over. */
        leaseSeconds: Seconds(45),
      },
      { default: {} },
    ),
    outbound: Type.Object(
      {
        /**
         * Private, loopback and link-local targets are refused after DNS resolution unless listed
         * here as CIDR ranges (e.g. "127.0.0.0/8" for local development and tests).
         */
        allowPrivateRanges: Type.Array(Type.String(), { default: [] }),
      },
      { default: {} },
    ),
    proxy: Type.Object(
      {
        /** Largest request body the proxy forwards (bytes); a larger one is answered 413. */
        maxRequestBytes: Type.Integer({ minimum: 0, default: 25 * 1024 * 1024 }),
        /** Largest response body the proxy passes back (bytes); beyond it the response is cut off (502 when declared up front). */
        maxResponseBytes: Type.Integer({ minimum: 1024, default: 100 * 1024 * 1024 }),
        /**
         * Request bodies up to this size are held in memory so the request can be sent again (one
         * retry after a 401 and a token refresh, opt-in retries on 429); larger ones stream through once.
         */
        replayBytes: Type.Integer({ minimum: 0, default: 1024 * 1024 }),
        /** Time allowed for the app to send its response headers. */
        headersTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
        /** Longest pause allowed between two chunks of the app's response body. */
        bodyTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
        /** Opt-in 429 retries (`Patchbay-Retry-429`) wait for `Retry-After` up to this many seconds, else give up. */
        retryAfterMaxSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 10 }),
        /**
         * How long a connection's prepared target (base URL, decrypted credentials, injected headers) is
         * reused; 0 turns the cache off. Entries are keyed by the connection's version, which changes on
         * every credential write, and the connection's status is read on every request regardless.
         */
        cacheTtlSeconds: Type.Integer({ minimum: 0, maximum: 3600, default: 30 }),
        /**
         * How long (ms, at most 1000) a cached connection is used without reading its status and
         * version again: a connection deleted, marked needs_reauth or given new credentials elsewhere
         * is noticed within this time. 0 reads them on every request (one more database round trip).
         */
        statusTtlMs: Type.Integer({ minimum: 0, maximum: 1000, default: 1000 }),
        /** Most connections kept in that cache (least recently used ones go first). */
        cacheMaxEntries: Type.Integer({ minimum: 1, default: 10_000 }),
        /** Keep-alive connections per app origin. */
        connectionsPerOrigin: Type.Integer({ minimum: 1, maximum: 10_000, default: 128 }),
      },
      { default: {} },
    ),
    /**
     * ES modules whose default export is an action definition or an array of them (actions of custom
     * apps; docs/actions.md, "Writing an action"). Paths are resolved from the working directory.
     */
    actionModules: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    runs: Type.Object(
      {
        /** Start action runs in this process (every process does by default; docs/actions.md, "Durability"). */
        execute: Type.Boolean({ default: true }),
        /** Runs one process executes at once. */
        concurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
        /** An attempt whose process stops renewing its lease for this long is taken as interrupted. */
        leaseMs: Type.Integer({ minimum: 500, default: 30_000 }),
        /** Attempts per run, the first one included, when its failures are safe to retry. */
        maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
        /** First backoff between attempts; doubled each time, at most 60 s. */
        retryBaseMs: Type.Integer({ minimum: 10, default: 1000 }),
        /** A 429 asking to wait longer than this ends the run instead of waiting. */
        maxRetryAfterSeconds: Type.Integer({ minimum: 0, default: 3600 }),
        /** Longest `wait_ms` a caller may ask for (long poll). */
        maxWaitMs: Type.Integer({ minimum: 0, maximum: 120_000, default: 60_000 }),
        /** Largest answer an action reads from its app. */
        maxResponseBytes: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
        /** Largest output a run keeps: above it the output's longest lists are cut (`output_truncated`). */
        maxOutputBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 256 * 1024 }),
        /** Days an ended run (with its logs and idempotency key) is kept after it was created (docs/operations.md, "Retention"). */
        retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
      },
      { default: {} },
    ),
    mcp: Type.Object(
      {
        /**
         * Longest a tools/call waits for its run before answering with the run's handle (clients
         * give up near 60 s; docs/mcp.md, "Calls are runs").
         */
        waitMs: Type.Integer({ minimum: 0, maximum: 55_000, default: 20_000 }),
        /** Tools per tools/list page. */
        pageSize: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        /**
         * Browser origins allowed to call /mcp (the MCP spec's DNS-rebinding rule): a request with an
         * `Origin` header is refused unless it is the public URL's origin or listed here.
         */
        allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/]+$' }), { default: [] }),
        /** Requests one end user's MCP tokens may make per rate-limit window (rateLimit.windowSeconds). */
        requestsPerWindow: Type.Integer({ minimum: 1, default: 600 }),
      },
      { default: {} },
    ),
    console: Type.Object(
      {
        /** How long a console sign-in lasts (docs/console.md, "Signing in"). */
        sessionTtlSeconds: Type.Integer({ minimum: 60, maximum: 7 * 24 * 3600, default: 8 * 3600 }),
        /** Sign-in attempts per client IP per rate-limit window (rateLimit.windowSeconds). */
        loginAttemptsPerWindow: Type.Integer({ minimum: 1, default: 10 }),
      },
      { default: {} },
    ),
    audit: Type.Object(
      {
        /** Days each connection's audit log entries are kept (docs/operations.md, "Audit log"). */
        retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
      },
      { default: {} },
    ),
    webhooks: Type.Object(
      {
        /** Deliver webhook events from this process (any number of processes may; each event goes out once). */
        dispatch: Type.Boolean({ default: true }),
        /** How often an idle dispatcher looks for due events (it re-polls at once while there is work). */
        pollMs: Type.Integer({ minimum: 10, default: 1000 }),
        /** Delivery attempts per event before it is marked failed. */
        maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
        /** Timeout of one delivery request. */
        timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
        /**
         * Delay before retry n (seconds, ±20% jitter) after the n-th failed attempt; the last entry
         * repeats when there are more attempts than entries.
         */
        retrySchedule: Type.Array(Type.Number({ minimum: 0 }), {
          minItems: 1,
          default: [5, 30, 120, 600, 1800, 3600, 10800, 21600],
        }),
        /** Days a delivered, failed or skipped webhook event (with its attempts) is kept (docs/operations.md, "Retention"). */
        retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
      },
      { default: {} },
    ),
    /** Prometheus `/metrics` (docs/operations.md, "Metrics"): off unless a token or a listen address is set. */
    metrics: Type.Object(
      {
        /** Scrapers send it as `Authorization: Bearer <token>`; compared in constant time. */
        token: Type.Optional(Type.String({ pattern: '^[!-~]{16,512}$' })),
        /** `host:port` of a listener of its own that serves only `/metrics` (e.g. 127.0.0.1:9464); the main port then has none. */
        listen: Type.Optional(Type.String({ pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$' })),
      },
      { default: {} },
    ),
    /**
     * Credential encryption keys as `<kid>:<base64 of 32 bytes>`; the first encrypts, all decrypt
     * (rotation: put the new key first, run `patchbay keys rotate`, then drop the old one).
     * Required outside development mode.
     */
    encryptionKeys: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?$' }), { default: [] }),
    partners: Type.Array(PartnerInput, { default: [] }),
    /** Custom apps (same shape as a catalog entry), e.g. an internal service; validated at start. */
    apps: Type.Array(Type.Record(Type.String(), Type.Unknown()), { default: [] }),
  },
  { additionalProperties: false },
)

export type Config = Static<typeof ConfigSchema> & { publicUrl: string }

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

/** Environment variable → config path and parser. */
const envMap: Array<[string, string, (v: string) => unknown]> = [
  ['PATCHBAY_HOST', 'host', String],
  ['PATCHBAY_PORT', 'port', parseNumber],
  ['PATCHBAY_PUBLIC_URL', 'publicUrl', (v) => v.replace(/\/+$/, '')],
  ['PATCHBAY_DATA_DIR', 'dataDir', String],
  ['DATABASE_URL', 'databaseUrl', String],
  ['PATCHBAY_DEV', 'devMode', parseBool],
  ['PATCHBAY_LOG_LEVEL', 'logLevel', String],
  ['PATCHBAY_BODY_LIMIT_BYTES', 'bodyLimitBytes', parseNumber],
  ['PATCHBAY_REQUEST_TIMEOUT_MS', 'requestTimeoutMs', parseNumber],
  ['PATCHBAY_CONNECTION_TIMEOUT_MS', 'connectionTimeoutMs', parseNumber],
  ['PATCHBAY_SHUTDOWN_TIMEOUT_MS', 'shutdownTimeoutMs', parseNumber],
  ['PATCHBAY_TRUST_PROXY', 'trustProxy', parseTrustProxy],
  ['PATCHBAY_ACCESS_TOKEN_TTL', 'accessTokenTtl', parseNumber],
  ['PATCHBAY_SESSION_TTL', 'sessionTtl', parseNumber],
  ['PATCHBAY_LINK_TTL', 'linkTtl', parseNumber],
  ['PATCHBAY_LINK_MAX_TTL', 'linkMaxTtl', parseNumber],
  ['PATCHBAY_JWT_MAX_BYTES', 'jwt.maxBytes', parseNumber],
  ['PATCHBAY_JWT_MAX_LIFETIME', 'jwt.maxLifetime', parseNumber],
  ['PATCHBAY_JWT_CLOCK_SKEW', 'jwt.clockSkew', parseNumber],
  ['PATCHBAY_JWKS_CACHE_TTL', 'jwks.cacheTtl', parseNumber],
  ['PATCHBAY_JWKS_STALE_MAX', 'jwks.staleMax', parseNumber],
  ['PATCHBAY_JWKS_COOLDOWN', 'jwks.cooldown', parseNumber],
  ['PATCHBAY_JWKS_TIMEOUT_MS', 'jwks.timeoutMs', parseNumber],
  ['PATCHBAY_JWKS_MAX_BYTES', 'jwks.maxBytes', parseNumber],
  ['PATCHBAY_RATE_LIMIT_TOKEN_PER_IP', 'rateLimit.tokenPerIp', parseNumber],
  ['PATCHBAY_RATE_LIMIT_TOKEN_PER_CLIENT', 'rateLimit.tokenPerClient', parseNumber],
  ['PATCHBAY_RATE_LIMIT_CONNECT_PER_IP', 'rateLimit.connectPerIp', parseNumber],
  ['PATCHBAY_RATE_LIMIT_CREDENTIAL_ATTEMPTS_PER_SESSION', 'rateLimit.credentialAttemptsPerSession', parseNumber],
  ['PATCHBAY_RATE_LIMIT_CREDENTIAL_ATTEMPTS_PER_IP', 'rateLimit.credentialAttemptsPerIp', parseNumber],
  ['PATCHBAY_RATE_LIMIT_WINDOW', 'rateLimit.windowSeconds', parseNumber],
  ['PATCHBAY_REFRESH_AHEAD', 'refresh.aheadSeconds', parseNumber],
  ['PATCHBAY_REFRESH_SWEEP', 'refresh.sweepSeconds', parseNumber],
  ['PATCHBAY_REFRESH_LEASE', 'refresh.leaseSeconds', parseNumber],
  ['PATCHBAY_OUTBOUND_ALLOW_PRIVATE', 'outbound.allowPrivateRanges', splitList],
  ['PATCHBAY_ENCRYPTION_KEYS', 'encryptionKeys', splitList],
  ['PATCHBAY_PROXY_MAX_REQUEST_BYTES', 'proxy.maxRequestBytes', parseNumber],
  ['PATCHBAY_PROXY_MAX_RESPONSE_BYTES', 'proxy.maxResponseBytes', parseNumber],
  ['PATCHBAY_PROXY_REPLAY_BYTES', 'proxy.replayBytes', parseNumber],
  ['PATCHBAY_PROXY_HEADERS_TIMEOUT_MS', 'proxy.headersTimeoutMs', parseNumber],
  ['PATCHBAY_PROXY_BODY_TIMEOUT_MS', 'proxy.bodyTimeoutMs', parseNumber],
  ['PATCHBAY_PROXY_RETRY_AFTER_MAX', 'proxy.retryAfterMaxSeconds', parseNumber],
  ['PATCHBAY_PROXY_CACHE_TTL', 'proxy.cacheTtlSeconds', parseNumber],
  ['PATCHBAY_PROXY_CACHE_MAX_ENTRIES', 'proxy.cacheMaxEntries', parseNumber],
  ['PATCHBAY_PROXY_STATUS_TTL_MS', 'proxy.statusTtlMs', parseNumber],
  ['PATCHBAY_PROXY_CONNECTIONS_PER_ORIGIN', 'proxy.connectionsPerOrigin', parseNumber],
  ['PATCHBAY_ACTION_MODULES', 'actionModules', splitList],
  ['PATCHBAY_RUNS_EXECUTE', 'runs.execute', parseBool],
  ['PATCHBAY_RUNS_CONCURRENCY', 'runs.concurrency', parseNumber],
  ['PATCHBAY_RUNS_LEASE_MS', 'runs.leaseMs', parseNumber],
  ['PATCHBAY_RUNS_RETRY_BASE_MS', 'runs.retryBaseMs', parseNumber],
  ['PATCHBAY_RUNS_MAX_OUTPUT_BYTES', 'runs.maxOutputBytes', parseNumber],
  ['PATCHBAY_RUNS_RETENTION_DAYS', 'runs.retentionDays', parseNumber],
  ['PATCHBAY_MCP_WAIT_MS', 'mcp.waitMs', parseNumber],
  ['PATCHBAY_AUDIT_RETENTION_DAYS', 'audit.retentionDays', parseNumber],
  ['PATCHBAY_CONSOLE_SESSION_TTL', 'console.sessionTtlSeconds', parseNumber],
  ['PATCHBAY_CONSOLE_LOGIN_ATTEMPTS', 'console.loginAttemptsPerWindow', parseNumber],
  ['PATCHBAY_MCP_PAGE_SIZE', 'mcp.pageSize', parseNumber],
  ['PATCHBAY_MCP_ALLOWED_ORIGINS', 'mcp.allowedOrigins', splitList],
  ['PATCHBAY_MCP_REQUESTS_PER_WINDOW', 'mcp.requestsPerWindow', parseNumber],
  ['PATCHBAY_WEBHOOKS_DISPATCH', 'webhooks.dispatch', parseBool],
  ['PATCHBAY_WEBHOOKS_POLL_MS', 'webhooks.pollMs', parseNumber],
  ['PATCHBAY_WEBHOOKS_MAX_ATTEMPTS', 'webhooks.maxAttempts', parseNumber],
  ['PATCHBAY_WEBHOOKS_TIMEOUT_MS', 'webhooks.timeoutMs', parseNumber],
  ['PATCHBAY_WEBHOOKS_RETRY_SCHEDULE', 'webhooks.retrySchedule', (v) => splitList(v).map(parseNumber)],
  ['PATCHBAY_WEBHOOKS_RETENTION_DAYS', 'webhooks.retentionDays', parseNumber],
  ['PATCHBAY_METRICS_TOKEN', 'metrics.token', String],
  ['PATCHBAY_METRICS_LISTEN', 'metrics.listen', String],
]

export const configEnvVars = envMap.map(([name, path]) => ({ name, path }))

/** Numbers stay strings when they do not parse, so the error message shows what was given. */
function parseNumber(v: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v
}

function parseBool(v: string): boolean | string {
  if (/^(1|true|yes|on)$/i.test(v)) return true
  if (/^(0|false|no|off)$/i.test(v)) return false
  return v
}

/** `true`/`false`, a hop count, or a comma-separated list of proxy addresses and CIDR ranges. */
function parseTrustProxy(v: string): unknown {
  // A number is a hop count ("1": the one proxy in front), not a yes.
  if (/^\d+$/.test(v.trim())) return Number(v) === 0 ? false : Number(v)
  const flag = parseBool(v)
  return typeof flag === 'boolean' ? flag : splitList(v)
}

function splitList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[keys[keys.length - 1] as string] = value
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(resolve(file), 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : yaml().parse(text)
  } catch (err) {
    // Parser messages quote the text around the error, which may be a key or a password: only the position is kept.
    throw new ConfigError(`config file ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}${parseErrorPosition(err, text)}`)
  }
  if (parsed == null) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must hold an object at its top level`)
  }
  return parsed as Record<string, unknown>
}

/** ` (line L, column C)` of a JSON or YAML parse error, never the text itself. */
function parseErrorPosition(err: unknown, text: string): string {
  const linePos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0]
  if (linePos) return ` (line ${linePos.line}, column ${linePos.col})`
  const offset = /position (\d+)/.exec((err as Error).message)?.[1]
  if (offset === undefined) return ''
  const before = text.slice(0, Number(offset)).split('\n')
  return ` (line ${before.length}, column ${(before[before.length - 1] ?? '').length + 1})`
}

/**
 * Setting names whose values are secrets (keys, passwords, tokens, client secrets and their hashes):
 * an error names them but never quotes their value. `databaseUrl` may carry a password.
 */
const SECRET_SETTING = /secret|passw|token|key|credential|private|hash|cookie|signature|databaseUrl/i

/** ` (got …)` for a value that may be shown; nothing for secrets, unknown settings and structures. */
function shownValue(error: ValueError, path: string): string {
  const { value } = error
  if (value === undefined || typeof value === 'object') return ''
  // An unknown setting (often a misspelt one) could be anything, a secret included.
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return ''
  if (SECRET_SETTING.test(path)) return ''
  // A URL with credentials in it, whatever the setting is called.
  if (typeof value === 'string' && /\/\/[^/\s]*@/.test(value)) return ''
  return ` (got ${JSON.stringify(value)})`
}

/** The environment variable of a setting or of the list it is an entry of (`encryptionKeys.0`). */
export function envVarOf(path: string): string | undefined {
  const envByPath = new Map(envMap.map(([name, settingPath]) => [settingPath, name]))
  for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const name = envByPath.get(p)
    if (name) return name
  }
  return undefined
}

/**
 * Builds the configuration from the environment, an optional file and explicit overrides
 * (overrides win; tests and the CLI use them). Throws {@link ConfigError} naming every bad setting.
 */
export function loadConfig(env: Env = process.env, overrides: Record<string, unknown> = {}): Config {
  const file = (overrides.configFile as string | undefined) ?? env.PATCHBAY_CONFIG
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {}
  const { configFile: _ignored, ...rest } = overrides
  for (const [name, path, parse] of envMap) {
    const value = env[name]
    if (value !== undefined && value !== '') setPath(raw, path, parse(value))
  }
  for (const [path, value] of Object.entries(rest)) setPath(raw, path, value)

  const withDefaults = Value.Default(ConfigSchema, structuredClone(raw))
  const errors = [...Value.Errors(ConfigSchema, withDefaults)]
  if (errors.length > 0) {
    const lines = errors.slice(0, 10).map((e) => {
      const path = e.path.replace(/^\//, '').replaceAll('/', '.') || '(root)'
      const env = envVarOf(path)
      return `  ${path}${env ? ` (${env})` : ''}: ${e.message}${shownValue(e, path)}`
    })
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`)
  }
  const config = withDefaults as Static<typeof ConfigSchema>
  return {
    ...config,
    publicUrl: config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
  }
}

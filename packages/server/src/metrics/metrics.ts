/**
 * What the services record for Prometheus (docs/operations.md, "Metrics"), each where its outcome is
 * decided. Every label value comes from a bounded set (a route's pattern, never its URL; an app or
 * action key of the catalog; an HTTP status; a fixed outcome): no ids, tokens or other secrets.
 */
export interface Metrics {
  /** False when `/metrics` is off (no token, no listen address): then nothing is recorded. */
  readonly enabled: boolean
  /** One HTTP request answered: `route` is the route's pattern (`/v1/connections/:id`), never its URL. */
  httpRequest(method: string, route: string, status: number, seconds: number): void
  /** One `POST /oauth/token` answered: the token type issued, or the OAuth error code. */
  tokenExchange(outcome: string): void
  /** One request forwarded to an app's API (`/v1/proxy` and actions' `ctx.http`), with the status its caller got. */
  proxyCall(app: string, status: number): void
  /** One OAuth token refresh asked of a provider. */
  refresh(app: string, outcome: RefreshOutcome): void
  /** One action run reached a final status. */
  runEnded(action: string, status: string): void
  /** One webhook delivery attempt (or an event skipped for want of a URL). */
  webhookDelivery(outcome: WebhookDeliveryOutcome): void
  /**
   * How this process's answers to routes starting with `routePrefix` spread over the latency buckets
   * since it started (`le` in ms, the count in that bucket alone): the console's proxy latency chart.
   */
  latencyBuckets(routePrefix: string): Promise<{ le: string; count: number }[]>
  /** The Prometheus text exposition of everything, gauges read now. */
  scrape(): Promise<{ contentType: string; body: string }>
}

/** ok: new tokens committed; needs_reauth: the provider refused the grant (`invalid_grant`); failed: anything else. */
export type RefreshOutcome = 'ok' | 'failed' | 'needs_reauth'

/** delivered: 2xx; retry: failed, another attempt is scheduled; failed: failed, no attempt left; skipped: no webhook URL. */
export type WebhookDeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'skipped'

/** Metrics off: every call is a no-op, so the hot paths pay nothing. */
export const noMetrics: Metrics = {
  enabled: false,
  httpRequest() {},
  tokenExchange() {},
  proxyCall() {},
  refresh() {},
  runEnded() {},
  webhookDelivery() {},
  latencyBuckets: async () => [],
  scrape: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '' }),
}

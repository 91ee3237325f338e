import type { Registry } from 'prom-client'
import { promClient } from '../lib/optional-modules.js'
import type { PatchbayDatabase } from '../db/database.js'
import type { LineLogger } from '../logger.js'
import { LabeledCounter, LabeledHistogram } from './labeled-series.js'
import type { Metrics, RefreshOutcome, WebhookDeliveryOutcome } from './metrics.js'
import { registerScrapeGauges } from './scrape-gauges.js'

/**
 * Latency buckets, seconds: from the proxy's sub-millisecond answers (BENCHMARKS.md) to a long poll
 * of a run (`wait_ms`, up to a minute).
 */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/**
 * The metrics of one server process in a registry of its own (docs/operations.md, "Metrics" lists
 * each one): counters and the latency histogram updated as things happen, gauges read at scrape
 * time, and prom-client's default Node.js process metrics.
 */
export class PrometheusMetrics implements Metrics {
  readonly enabled = true
  readonly registry: Registry = new (promClient().Registry)()
  private readonly http = new LabeledHistogram(
    'patchbay_http_request_duration_seconds',
    "HTTP requests answered, by method, route pattern and status: time from the request's arrival to the end of the answer.",
    ['method', 'route', 'status'],
    HTTP_BUCKETS,
  )
  private readonly tokenExchanges = new LabeledCounter(
    'patchbay_token_exchanges_total',
    'Token exchanges (POST /oauth/token) answered: the token type issued, or the OAuth error code.',
    ['outcome'],
  )
  private readonly proxyCalls = new LabeledCounter(
    'patchbay_proxy_calls_total',
    "Requests forwarded to an app's API (/v1/proxy and actions), by app and the status the caller got.",
    ['app', 'status'],
  )
  private readonly refreshes = new LabeledCounter(
    'patchbay_token_refreshes_total',
    'OAuth token refreshes asked of a provider, by app and outcome (ok, failed, needs_reauth).',
    ['app', 'outcome'],
  )
  private readonly runs = new LabeledCounter(
    'patchbay_runs_ended_total',
    'Action runs that reached a final status, by action (app.key) and status.',
    ['action', 'status'],
  )
  private readonly webhookDeliveries = new LabeledCounter(
    'patchbay_webhook_deliveries_total',
    'Webhook delivery attempts by outcome (delivered, retry, failed, skipped).',
    ['outcome'],
  )

  constructor(database: PatchbayDatabase, log: LineLogger) {
    for (const metric of [this.http, this.tokenExchanges, this.proxyCalls, this.refreshes, this.runs, this.webhookDeliveries]) {
      // A prom-client Registry formats any metric with a name, a type and get() (lib/registry.js).
      this.registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0])
    }
    registerScrapeGauges(this.registry, database, log)
    promClient().collectDefaultMetrics({ register: this.registry })
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe(method, route, status, seconds)
  }

  tokenExchange(outcome: string): void {
    this.tokenExchanges.inc(outcome)
  }

  async latencyBuckets(routePrefix: string): Promise<{ le: string; count: number }[]> {
    const cumulative = new Map<number, number>()
    for (const v of (await this.http.get()).values) {
      if (v.metricName !== 'patchbay_http_request_duration_seconds_bucket' || !String(v.labels.route ?? '').startsWith(routePrefix))
        continue
      const bound = (v.labels as Record<string, string | number | undefined>).le
      const le = bound === '+Inf' ? Infinity : Number(bound)
      cumulative.set(le, (cumulative.get(le) ?? 0) + v.value)
    }
    const les = [...cumulative.keys()].sort((a, b) => a - b)
    return les.map((le, i) => ({
      le: le === Infinity ? '+Inf' : `${+(le * 1000).toFixed(1)} ms`,
      count: (cumulative.get(le) ?? 0) - (i > 0 ? (cumulative.get(les[i - 1] as number) ?? 0) : 0),
    }))
  }

  proxyCall(app: string, status: number): void {
    this.proxyCalls.inc(app, status)
  }

  refresh(app: string, outcome: RefreshOutcome): void {
    this.refreshes.inc(app, outcome)
  }

  runEnded(action: string, status: string): void {
    this.runs.inc(action, status)
  }

  webhookDelivery(outcome: WebhookDeliveryOutcome): void {
    this.webhookDeliveries.inc(outcome)
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}

import { PatchbayError } from '../errors.js'
import { metricsTokenMatches } from './metrics-auth.js'
import type { Metrics } from './metrics.js'

/**
 * `GET /metrics`, wherever it is served (the main port or a listener of its own): with a token
 * configured, a scraper without it (or with another) gets 401 and nothing else
 * (docs/operations.md, "Metrics").
 */
export async function scrapeMetrics(
  metrics: Metrics,
  token: string | undefined,
  authorization: string | undefined,
): Promise<{ contentType: string; body: string }> {
  if (token !== undefined && !metricsTokenMatches(authorization, token)) {
    throw new PatchbayError('PB_ERR_UNAUTHORIZED', 'send the metrics token as "Authorization: Bearer <token>"', {
      headers: { 'WWW-Authenticate': 'Bearer realm="patchbay-metrics"' },
    })
  }
  return metrics.scrape()
}

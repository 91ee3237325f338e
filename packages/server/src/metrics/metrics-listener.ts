import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PatchbayError } from '../errors.js'
import type { Logger } from 'pino'
import { scrapeMetrics } from './metrics-endpoint.js'
import type { Metrics } from './metrics.js'

export interface MetricsListener {
  /** `http://host:port` it listens on (the real port when 0 was asked for). */
  url: string
  close(): Promise<void>
}

/** `127.0.0.1:9464`, `[::1]:9464` or `metrics.internal:9464` as host and port. */
export function parseListenAddress(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':')
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1')
  const port = Number(listen.slice(colon + 1))
  if (colon <= 0 || host === '' || !Number.isInteger(port) || port > 65535) {
    throw new TypeError(`metrics.listen must be host:port, got ${JSON.stringify(listen)}`)
  }
  return { host, port }
}

/**
 * `metrics.listen`: `/metrics` on an address of its own (e.g. loopback or an internal network only
 * Prometheus reaches), so the public port never serves it (docs/operations.md, "Metrics"). It serves
 * `GET /metrics` and nothing else; with `metrics.token` set it asks for the token too.
 */
export async function startMetricsListener(
  listen: string,
  metrics: Metrics,
  token: string | undefined,
  log: Pick<Logger, 'error'>,
): Promise<MetricsListener> {
  const { host, port } = parseListenAddress(listen)
  const server = createServer((req, res) => {
    serve(req, res, metrics, token).catch((err: unknown) => {
      log.error({ err }, 'metrics: scrape failed')
      answer(res, new PatchbayError('PB_ERR_INTERNAL', 'the metrics could not be collected'))
    })
  })
  // Scrapers keep their connection between scrapes; it must not hold a shutdown.
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = server.address() as AddressInfo
  return {
    url: `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function serve(req: IncomingMessage, res: ServerResponse, metrics: Metrics, token: string | undefined): Promise<void> {
  const path = (req.url ?? '').split('?')[0]
  if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    answer(res, new PatchbayError('PB_ERR_NOT_FOUND', `no route ${req.method} ${path}: this listener serves GET /metrics only`))
    return
  }
  let scraped: { contentType: string; body: string }
  try {
    scraped = await scrapeMetrics(metrics, token, req.headers.authorization)
  } catch (err) {
    if (err instanceof PatchbayError) return answer(res, err)
    throw err
  }
  res.writeHead(200, {
    'content-type': scraped.contentType,
    'content-length': Buffer.byteLength(scraped.body),
    'cache-control': 'no-store',
  })
  res.end(req.method === 'HEAD' ? undefined : scraped.body)
}

function answer(res: ServerResponse, error: PatchbayError): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = JSON.stringify(error.toJSON())
  res
    .writeHead(error.status, {
      ...error.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    .end(body)
}

#!/usr/bin/env node
/**
 * What `/metrics` adds to one proxied call, timed in a loop: the recording a proxied call does when
 * metrics are on (the HTTP histogram, the proxy-calls counter, and the `finish` listener that times
 * the answer), through Patchbay's PrometheusMetrics, against the same recording done with
 * prom-client's own Histogram and Counter (what Patchbay used before) measured in the same run.
 * bench/proxy.mjs (target `metrics`) measures the whole server with and without; this one isolates
 * the added work, which the machine's run-to-run noise (±10 % per run) hides there.
 *
 *   npm run build && node bench/metrics.mjs
 *
 * Settings (environment): BENCH_ITERATIONS (calls per round, 1,000,000), BENCH_ROUNDS (5; the best
 * round of each is kept), BENCH_PROXY_CPU_US (a proxied call's server CPU from bench/proxy.mjs, 55:
 * the added work is also printed as a share of it).
 */
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Counter, Histogram, Registry } from 'prom-client'
import { positive } from './lib/harness.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'packages/server/dist')
if (!existsSync(join(dist, 'metrics/prometheus-metrics.js'))) {
  console.error('metrics bench: run `npm run build` first')
  process.exit(2)
}
const { PrometheusMetrics } = await import(pathToFileURL(join(dist, 'metrics/prometheus-metrics.js')).href)
const { PROXY_ROUTE } = await import(pathToFileURL(join(dist, 'metrics/http-requests.js')).href)

const ITERATIONS = positive(process.env.BENCH_ITERATIONS, 1_000_000)
const ROUNDS = positive(process.env.BENCH_ROUNDS, 5)
const PROXY_CPU_US = positive(process.env.BENCH_PROXY_CPU_US, 55)
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const STATUSES = [200, 200, 200, 200, 200, 200, 200, 404, 401, 500]

// Patchbay's: the scrape-time gauges are never read here (no scrape), so no database is needed.
const patchbay = new PrometheusMetrics({ db: undefined, pgPool: undefined }, { warn() {}, error() {} })
const patchbayListener = function onFinish() {
  patchbay.httpRequest('GET', PROXY_ROUTE, this.statusCode, (performance.now() - this.started) / 1000)
}

// prom-client's own metrics, recording the same series the way Patchbay did before.
const registry = new Registry()
const histogram = new Histogram({
  name: 'h_seconds',
  help: 'h',
  labelNames: ['method', 'route', 'status'],
  buckets: BUCKETS,
  registers: [registry],
})
const counter = new Counter({ name: 'c_total', help: 'c', labelNames: ['app', 'status'], registers: [registry] })

/** One proxied call's recording; `res` stands for its ServerResponse (an EventEmitter that emits `finish`). */
const calls = {
  none(res) {
    res.emit('finish')
  },
  patchbay(res, status) {
    res.started = performance.now()
    res.statusCode = status
    res.on('finish', patchbayListener)
    patchbay.proxyCall('benchapi', status)
    res.emit('finish')
  },
  promclient(res, status) {
    const started = performance.now()
    res.once('finish', () => histogram.observe({ method: 'GET', route: PROXY_ROUTE, status }, (performance.now() - started) / 1000))
    counter.inc({ app: 'benchapi', status })
    res.emit('finish')
  },
}

function round(kind) {
  const responses = Array.from({ length: 1024 }, () => new EventEmitter())
  const started = process.hrtime.bigint()
  for (let i = 0; i < ITERATIONS; i++) {
    const res = responses[i & 1023]
    calls[kind](res, STATUSES[i % STATUSES.length])
    res.removeAllListeners('finish')
  }
  return Number(process.hrtime.bigint() - started) / ITERATIONS
}

const best = { none: Infinity, patchbay: Infinity, promclient: Infinity }
for (let r = 0; r < ROUNDS; r++) for (const kind of Object.keys(best)) best[kind] = Math.min(best[kind], round(kind))

// The scrape must show what was recorded (the loop measured metrics that count).
const text = (await patchbay.scrape()).body
if (!/patchbay_proxy_calls_total\{app="benchapi",status="200"\} \d+/.test(text)) {
  console.error('metrics bench: the scrape does not show the recorded calls')
  process.exit(1)
}

const added = { patchbay: best.patchbay - best.none, promclient: best.promclient - best.none }
console.log(`metrics bench: Node ${process.version}, ${ITERATIONS} calls x ${ROUNDS} rounds (best round)`)
console.log(`recording per proxied call, Patchbay:            ${added.patchbay.toFixed(0)} ns`)
console.log(`recording per proxied call, prom-client (before): ${added.promclient.toFixed(0)} ns (baseline)`)
console.log(`ratio Patchbay / prom-client: ${(added.patchbay / added.promclient).toFixed(2)}`)
console.log(
  `share of a proxied call (${PROXY_CPU_US} us of server CPU, bench/proxy.mjs): Patchbay ${((added.patchbay / 1000 / PROXY_CPU_US) * 100).toFixed(2)} %, ` +
    `prom-client ${((added.promclient / 1000 / PROXY_CPU_US) * 100).toFixed(2)} % (target < 2 %)`,
)
console.log(JSON.stringify({ bench: 'metrics', ns: added, proxyCpuUs: PROXY_CPU_US }))

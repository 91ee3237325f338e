/**
 * Patchbay's label-keyed counters and histogram (src/metrics/labeled-series.ts) expose exactly what
 * prom-client's own Counter and Histogram expose for the same observations: the scrape did not change
 * when the recording was made cheap (BENCHMARKS.md, "Metrics").
 */
import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { LabeledCounter, LabeledHistogram } from '../../src/metrics/labeled-series.js'
import { Scrape } from '../helpers/prometheus.js'

const NAME = 'patchbay_http_request_duration_seconds'
const HELP = 'HTTP requests answered.'
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/** Requests of every kind: several routes, methods and statuses; durations on, between, below and above the bounds. */
function requests(): Array<[string, string, number, number]> {
  const out: Array<[string, string, number, number]> = []
  const durations = [0, 0.0001, 0.0005, 0.00051, 0.001, 0.003, 0.0099, 0.01, 0.2, 1, 2.5000001, 59.9, 60, 61, 3600]
  let i = 0
  for (const route of ['/v1/proxy/:connectionId/*', '/v1/connections/:id', '(unmatched)', '/oauth/token']) {
    for (const method of ['GET', 'POST']) {
      for (const status of [200, 404, 502]) {
        // A different number of requests per series, so that a series mixed up with another shows.
        for (let n = 0; n <= i % 7; n++) out.push([method, route, status, durations[(i + n) % durations.length] as number])
        i++
      }
    }
  }
  return out
}

const lines = (text: string) => text.split('\n').filter(Boolean)

async function exposition(register: (registry: Registry) => void): Promise<string> {
  const registry = new Registry()
  register(registry)
  return registry.metrics()
}

describe('labeled series', () => {
  it("the histogram exposes exactly what prom-client's Histogram exposes for the same requests", async () => {
    const theirs = await exposition((registry) => {
      const h = new Histogram({
        name: NAME,
        help: HELP,
        labelNames: ['method', 'route', 'status'],
        buckets: BUCKETS,
        registers: [registry],
      })
      for (const [method, route, status, s] of requests()) h.observe({ method, route, status }, s)
    })
    const ours = await exposition((registry) => {
      const h = new LabeledHistogram(NAME, HELP, ['method', 'route', 'status'], BUCKETS)
      registry.registerMetric(h as never)
      for (const [method, route, status, s] of requests()) h.observe(method, route, status, s)
    })
    expect(lines(ours).slice(0, 2)).toEqual([`# HELP ${NAME} ${HELP}`, `# TYPE ${NAME} histogram`])
    // The order of the series within the family may differ.
    expect(lines(ours).sort()).toEqual(lines(theirs).sort())
    expect(lines(ours)).toHaveLength(4 * 2 * 3 * (BUCKETS.length + 3) + 2)
  })

  it('keeps buckets cumulative, +Inf equal to _count and _sum the sum of the durations, as a Prometheus parser reads them', async () => {
    const h = new LabeledHistogram(NAME, HELP, ['method', 'route', 'status'], BUCKETS)
    const registry = new Registry()
    registry.registerMetric(h as never)
    const durations = [0.0002, 0.0007, 0.0007, 0.004, 0.3, 0.3, 0.3, 7, 120]
    for (const s of durations) h.observe('GET', '/v1/proxy/:connectionId/*', 200, s)
    h.observe('GET', '/v1/proxy/:connectionId/*', 502, 0.002)
    const scrape = new Scrape(await registry.metrics())
    const labels = { method: 'GET', route: '/v1/proxy/:connectionId/*', status: '200' }
    const bucket = (le: string) => scrape.value(`${NAME}_bucket`, { ...labels, le })
    expect(scrape.family(NAME)?.type).toBe('HISTOGRAM')
    expect(BUCKETS.map((le) => bucket(String(le)))).toEqual(BUCKETS.map((le) => durations.filter((d) => d <= le).length))
    expect(bucket('+Inf')).toBe(durations.length)
    expect(scrape.count(NAME, labels)).toBe(durations.length)
    expect(scrape.value(`${NAME}_sum`, labels)).toBeCloseTo(
      durations.reduce((a, b) => a + b),
      9,
    )
    expect(scrape.count(NAME, { ...labels, status: '502' })).toBe(1)
    expect(scrape.value(`${NAME}_bucket`, { ...labels, status: '502', le: '0.001' })).toBe(0)
    expect(scrape.value(`${NAME}_bucket`, { ...labels, status: '502', le: '0.0025' })).toBe(1)
  })

  it("the counters expose exactly what prom-client's Counter exposes, with one label and with two", async () => {
    const calls: Array<[string, number]> = [
      ['github', 200],
      ['github', 200],
      ['slack', 429],
      ['github', 404],
      ['slack', 429],
      ['slack', 200],
    ]
    const theirs = await exposition((registry) => {
      const two = new Counter({ name: 'calls_total', help: 'Calls.', labelNames: ['app', 'status'], registers: [registry] })
      const one = new Counter({ name: 'outcomes_total', help: 'Outcomes.', labelNames: ['outcome'], registers: [registry] })
      for (const [app, status] of calls) {
        two.inc({ app, status })
        one.inc({ outcome: status < 400 ? 'ok' : 'failed' })
      }
    })
    const ours = await exposition((registry) => {
      const two = new LabeledCounter('calls_total', 'Calls.', ['app', 'status'])
      const one = new LabeledCounter('outcomes_total', 'Outcomes.', ['outcome'])
      registry.registerMetric(two as never)
      registry.registerMetric(one as never)
      for (const [app, status] of calls) {
        two.inc(app, status)
        one.inc(status < 400 ? 'ok' : 'failed')
      }
    })
    expect(lines(ours).sort()).toEqual(lines(theirs).sort())
    expect(ours).toContain('calls_total{app="slack",status="429"} 2')
  })
})

/**
 * Counters and a histogram whose recording costs a few Map lookups and an increment, registered in a
 * prom-client Registry (which formats them at scrape time exactly as its own Counter and Histogram
 * would). prom-client's own metrics hash their label object on every call (sorting its keys and
 * joining them into a string), which cost the proxy about a fifth of its throughput with `/metrics`
 * on (BENCHMARKS.md, "Metrics"): here each label value is a key of a nested Map, looked up as is.
 */

type LabelValue = string | number

/** One series as prom-client's Registry formats it: `metricName` (suffixed) or the metric's name. */
interface SeriesValue {
  value: number
  labels: Record<string, LabelValue>
  metricName?: string
}

/** What prom-client's Registry reads of a metric (its `registerMetric` and `metrics()`). */
export interface RegistryMetric {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'histogram'
  get(): Promise<{ name: string; help: string; type: string; values: SeriesValue[]; aggregator: 'sum' }>
}

/** Nested maps, one level per label: the leaf for (a, b, c) is made once and then found without building a key. */
function leaf<T>(root: Map<LabelValue, unknown>, values: readonly LabelValue[], make: () => T): T {
  let level = root
  for (let i = 0; i < values.length - 1; i++) {
    const value = values[i] as LabelValue
    let next = level.get(value) as Map<LabelValue, unknown> | undefined
    if (next === undefined) {
      next = new Map()
      level.set(value, next)
    }
    level = next
  }
  const last = values[values.length - 1] as LabelValue
  let found = level.get(last) as T | undefined
  if (found === undefined) {
    found = make()
    level.set(last, found)
  }
  return found
}

function labelsOf(names: readonly string[], values: readonly LabelValue[]): Record<string, LabelValue> {
  const labels: Record<string, LabelValue> = {}
  names.forEach((name, i) => (labels[name] = values[i] as LabelValue))
  return labels
}

/** A counter with one or two labels (`inc(a)` or `inc(a, b)`, in the order of `labelNames`). */
export class LabeledCounter implements RegistryMetric {
  readonly type = 'counter'
  private readonly root = new Map<LabelValue, unknown>()
  private readonly series: { labels: Record<string, LabelValue>; value: number }[] = []

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly [string] | readonly [string, string],
  ) {}

  inc(a: LabelValue, b?: LabelValue): void {
    const level1 = this.root
    let entry: { value: number } | undefined
    if (this.labelNames.length === 1) {
      entry = level1.get(a) as { value: number } | undefined
      if (entry === undefined) entry = this.add(level1, [a])
    } else {
      let level2 = level1.get(a) as Map<LabelValue, unknown> | undefined
      if (level2 === undefined) {
        level2 = new Map()
        level1.set(a, level2)
      }
      entry = level2.get(b as LabelValue) as { value: number } | undefined
      if (entry === undefined) entry = this.add(level1, [a, b as LabelValue])
    }
    entry.value++
  }

  private add(root: Map<LabelValue, unknown>, values: LabelValue[]): { value: number } {
    return leaf(root, values, () => {
      const series = { labels: labelsOf(this.labelNames, values), value: 0 }
      this.series.push(series)
      return series
    })
  }

  async get() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values: this.series.map((s) => ({ value: s.value, labels: s.labels })),
      aggregator: 'sum' as const,
    }
  }
}

/** One histogram series: a count per bucket (not cumulative: one increment per observation), the sum and count. */
interface HistogramSeries {
  labels: Record<string, LabelValue>
  counts: Float64Array
  sum: number
  count: number
}

/**
 * A histogram with three labels, formatted as prom-client's Histogram (`_bucket` with `le` first,
 * cumulative, then `+Inf`, `_sum`, `_count`).
 */
export class LabeledHistogram implements RegistryMetric {
  readonly type = 'histogram'
  private readonly root = new Map<LabelValue, unknown>()
  private readonly series: HistogramSeries[] = []

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly [string, string, string],
    private readonly buckets: readonly number[],
  ) {}

  observe(a: LabelValue, b: LabelValue, c: LabelValue, value: number): void {
    let level2 = this.root.get(a) as Map<LabelValue, unknown> | undefined
    if (level2 === undefined) {
      level2 = new Map()
      this.root.set(a, level2)
    }
    let level3 = level2.get(b) as Map<LabelValue, HistogramSeries> | undefined
    if (level3 === undefined) {
      level3 = new Map()
      level2.set(b, level3)
    }
    let series = level3.get(c)
    if (series === undefined) {
      series = { labels: labelsOf(this.labelNames, [a, b, c]), counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 }
      level3.set(c, series)
      this.series.push(series)
    }
    const { buckets } = this
    let i = 0
    while (i < buckets.length && value > (buckets[i] as number)) i++
    series.counts[i] = (series.counts[i] as number) + 1
    series.sum += value
    series.count++
  }

  async get() {
    const name = this.name
    const values: SeriesValue[] = []
    for (const s of this.series) {
      let cumulative = 0
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i] as number
        values.push({ value: cumulative, labels: { le, ...s.labels }, metricName: `${name}_bucket` })
      })
      values.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: `${name}_bucket` })
      values.push({ value: s.sum, labels: s.labels, metricName: `${name}_sum` })
      values.push({ value: s.count, labels: s.labels, metricName: `${name}_count` })
    }
    return { name, help: this.help, type: this.type, values, aggregator: 'sum' as const }
  }
}

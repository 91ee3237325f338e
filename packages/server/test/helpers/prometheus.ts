import parsePrometheusTextFormat, { type PrometheusFamily, type PrometheusSample } from 'parse-prometheus-text-format'

/** Families by name; a name met twice (see below) has its samples joined. */
function byName(families: PrometheusFamily[]): Map<string, PrometheusFamily> {
  const out = new Map<string, PrometheusFamily>()
  for (const family of families) {
    const seen = out.get(family.name)
    if (seen) seen.metrics.push(...family.metrics)
    else out.set(family.name, { ...family, metrics: [...family.metrics] })
  }
  return out
}

/**
 * A scrape parsed by a real Prometheus text-format parser (parse-prometheus-text-format), with
 * lookups by name and labels.
 *
 * That parser groups a histogram's series into one sample only when the histogram has no labels:
 * with labels it drops them and merges every series. So the histograms' series (`_bucket`, `_sum`,
 * `_count`) are read from a second parse of the same text without the histograms' `# TYPE` lines,
 * where the parser reads each series as a sample of its own, labels included.
 */
export class Scrape {
  readonly families: Map<string, PrometheusFamily>
  private readonly series: Map<string, PrometheusFamily>

  constructor(readonly text: string) {
    this.families = byName(parsePrometheusTextFormat(text))
    const histograms = new Set([...this.families.values()].filter((f) => f.type === 'HISTOGRAM').map((f) => f.name))
    const untyped = text
      .split('\n')
      .filter((line) => !(line.startsWith('# TYPE ') && histograms.has(line.split(' ')[2] ?? '')))
      .join('\n')
    this.series = byName(parsePrometheusTextFormat(untyped))
  }

  family(name: string): PrometheusFamily | undefined {
    return this.families.get(name)
  }

  /** The sample of a counter or gauge `name` (or of a histogram's `<name>_bucket|_sum|_count`) whose labels are exactly `labels`. */
  sample(name: string, labels: Record<string, string> = {}): PrometheusSample | undefined {
    const wanted = Object.entries(labels)
    const family = this.families.get(name)
    const samples = family && family.type !== 'HISTOGRAM' ? family.metrics : (this.series.get(name)?.metrics ?? [])
    return samples.find((m) => {
      const have = Object.entries(m.labels ?? {})
      return have.length === wanted.length && wanted.every(([k, v]) => m.labels?.[k] === v)
    })
  }

  /** A counter's or gauge's value (0 when the series does not exist yet: counters start at 0). */
  value(name: string, labels: Record<string, string> = {}): number {
    return Number(this.sample(name, labels)?.value ?? 0)
  }

  /** A histogram series' observation count (0 when it does not exist yet). */
  count(histogram: string, labels: Record<string, string> = {}): number {
    return this.value(`${histogram}_count`, labels)
  }

  /** Every value one label takes in a family (a histogram's: in its `_count` series). */
  labelValues(name: string, label: string): string[] {
    const family = this.families.get(name)
    const samples = family?.type === 'HISTOGRAM' ? (this.series.get(`${name}_count`)?.metrics ?? []) : (family?.metrics ?? [])
    return [...new Set(samples.map((m) => m.labels?.[label]).filter((v): v is string => v !== undefined))]
  }
}

// Minimal types for parse-prometheus-text-format, which ships none: its output (prom2json's shape).
declare module 'parse-prometheus-text-format' {
  export interface PrometheusSample {
    labels?: Record<string, string>
    /** Counters, gauges, untyped. */
    value?: string
    /** Histograms: cumulative counts by upper bound, and the totals. */
    buckets?: Record<string, string>
    count?: string
    sum?: string
  }

  export interface PrometheusFamily {
    name: string
    help: string
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'
    metrics: PrometheusSample[]
  }

  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[]
}

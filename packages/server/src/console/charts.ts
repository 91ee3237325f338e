import { html, type SafeHtml } from '../connect/pages/html.js'

// Plain SVG charts for the console (docs/console.md, "Charts"): no script, no style attributes (the
// page's CSP allows only its nonce'd stylesheet), colours from CSS classes so light and dark themes
// both read. Each chart carries its numbers in a table too, for screen readers and for copying.

const W = 640
const H = 200
const PAD = { top: 12, right: 12, bottom: 28, left: 48 }

export interface Series {
  name: string
  /** A CSS class of the console stylesheet: s-ok, s-warn, s-bad, s-info, s-muted. */
  cls: string
  values: number[]
}

export interface ChartInput {
  id: string
  title: string
  /** One label per point (x axis); a few are drawn. */
  labels: string[]
  series: Series[]
  /** Unit written after the axis's top value (`ms`). */
  unit?: string
}

function niceMax(value: number): number {
  if (value <= 0) return 1
  const magnitude = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude
  return 10 * magnitude
}

const x = (i: number, n: number) => PAD.left + (n <= 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (n - 1))
const y = (v: number, max: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom)
const fixed = (n: number) => Math.round(n * 10) / 10

function axes(labels: string[], max: number, unit: string | undefined): SafeHtml {
  const every = Math.max(1, Math.ceil(labels.length / 6))
  return html`<line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}"></line>
    <line class="grid" x1="${PAD.left}" y1="${PAD.top}" x2="${W - PAD.right}" y2="${PAD.top}"></line>
    <text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${max}${unit ? ` ${unit}` : ''}</text>
    <text class="tick" x="${PAD.left - 6}" y="${H - PAD.bottom + 4}" text-anchor="end">0</text>
    ${labels.map((label, i) =>
      i % every === 0 ? html`<text class="tick" x="${fixed(x(i, labels.length))}" y="${H - 8}" text-anchor="middle">${label}</text>` : null,
    )}`
}

function legend(series: Series[]): SafeHtml {
  return html`<ul class="legend">
    ${series.map((s) => html`<li><span class="swatch ${s.cls}"></span>${s.name}</li>`)}
  </ul>`
}

function dataTable(input: ChartInput): SafeHtml {
  return html`<details>
    <summary>Numbers</summary>
    <table>
      <thead>
        <tr>
          <th scope="col">Time</th>
          ${input.series.map((s) => html`<th scope="col">${s.name}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${input.labels.map(
          (label, i) => html`<tr>
            <td>${label}</td>
            ${input.series.map((s) => html`<td>${s.values[i] ?? 0}</td>`)}
          </tr>`,
        )}
      </tbody>
    </table>
  </details>`
}

/** One line per series. */
export function lineChart(input: ChartInput): SafeHtml {
  const n = input.labels.length
  const max = niceMax(Math.max(0, ...input.series.flatMap((s) => s.values)))
  return html`<figure class="chart" aria-labelledby="${input.id}-t">
    <figcaption id="${input.id}-t">${input.title}</figcaption>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${input.id}-t">
      ${axes(input.labels, max, input.unit)}
      ${input.series.map(
        (s) =>
          html`<polyline class="line ${s.cls}" points="${s.values.map((v, i) => `${fixed(x(i, n))},${fixed(y(v, max))}`).join(' ')}"></polyline>`,
      )}
      ${
        // Few points (a new install): each one drawn, so a single sample still shows.
        n <= 48
          ? input.series.map((s) =>
              s.values.map((v, i) => html`<circle class="dot ${s.cls}" cx="${fixed(x(i, n))}" cy="${fixed(y(v, max))}" r="3"></circle>`),
            )
          : null
      }
    </svg>
    ${legend(input.series)} ${dataTable(input)}
  </figure>`
}

/** One bar per label, its series stacked. */
export function stackedBars(input: ChartInput): SafeHtml {
  const n = input.labels.length
  const totals = input.labels.map((_, i) => input.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0))
  const max = niceMax(Math.max(0, ...totals))
  const slot = (W - PAD.left - PAD.right) / Math.max(1, n)
  const width = Math.max(1, slot * 0.8)
  const bars: SafeHtml[] = []
  input.labels.forEach((_, i) => {
    let base = 0
    for (const s of input.series) {
      const v = s.values[i] ?? 0
      if (v <= 0) continue
      const top = y(base + v, max)
      bars.push(
        html`<rect class="bar ${s.cls}" x="${fixed(PAD.left + i * slot)}" y="${fixed(top)}" width="${fixed(width)}" height="${fixed(y(base, max) - top)}"></rect>`,
      )
      base += v
    }
  })
  // Bars start at the slot's left edge: labels sit under their middle.
  const labels = input.labels
  return html`<figure class="chart" aria-labelledby="${input.id}-t">
    <figcaption id="${input.id}-t">${input.title}</figcaption>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${input.id}-t">
      ${axesForBars(labels, max, input.unit, slot, width)} ${bars}
    </svg>
    ${legend(input.series)} ${dataTable(input)}
  </figure>`
}

function axesForBars(labels: string[], max: number, unit: string | undefined, slot: number, width: number): SafeHtml {
  const every = Math.max(1, Math.ceil(labels.length / 6))
  return html`<line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}"></line>
    <line class="grid" x1="${PAD.left}" y1="${PAD.top}" x2="${W - PAD.right}" y2="${PAD.top}"></line>
    <text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${max}${unit ? ` ${unit}` : ''}</text>
    <text class="tick" x="${PAD.left - 6}" y="${H - PAD.bottom + 4}" text-anchor="end">0</text>
    ${labels.map((label, i) =>
      i % every === 0
        ? html`<text class="tick" x="${fixed(PAD.left + i * slot + width / 2)}" y="${H - 8}" text-anchor="middle">${label}</text>`
        : null,
    )}`
}

/** The value at quantile `q` (0–1) of `values` (nearest rank); 0 for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

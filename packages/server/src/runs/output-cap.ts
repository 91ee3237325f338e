// A run's output is kept in the database and sent in API answers and webhooks, so it has a size cap
// (runs.maxOutputBytes). An output over it is not a failure: its longest lists are cut until it fits
// and the run says `output_truncated` (docs/actions.md, "Paging and size").

/** The output serialized, cut to fit if needed; undefined when no list is left to cut and it still does not fit. */
export function capOutput(output: unknown, maxBytes: number): { json: string; truncated: boolean } | undefined {
  let json = JSON.stringify(output ?? null)
  if (Buffer.byteLength(json) <= maxBytes) return { json, truncated: false }
  const copy = JSON.parse(json) as unknown
  for (;;) {
    const longest = longestArray(copy)
    if (!longest || longest.length === 0) return undefined
    // Halve the longest list; the last steps drop one item at a time so as little as needed is lost.
    const over = Buffer.byteLength(json) - maxBytes
    const average = Buffer.byteLength(JSON.stringify(longest)) / longest.length
    const drop = Math.max(1, Math.min(Math.ceil(longest.length / 2), Math.ceil(over / Math.max(1, average))))
    longest.splice(longest.length - drop, drop)
    json = JSON.stringify(copy)
    if (Buffer.byteLength(json) <= maxBytes) return { json, truncated: true }
  }
}

function longestArray(value: unknown): unknown[] | undefined {
  let best: unknown[] | undefined
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      if (!best || v.length > best.length) best = v
      v.forEach(visit)
    } else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit)
  }
  visit(value)
  return best
}

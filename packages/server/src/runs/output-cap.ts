// A run's output is kept in the database and sent in API answers and webhooks, so it has a size cap
// (runs.maxOutputBytes). An output over it is not a failure: its largest lists are cut until it fits
// and the run says `output_truncated` (docs/actions.md, "Paging and size"). The work is bounded: a
// few passes, each linear in the output's size, and no recursion (a deeply nested output is refused,
// not a crash).

/** Lists nested deeper than this are not looked into (and an output that deep cannot be serialized anyway). */
const MAX_DEPTH = 64
/** Cutting passes before giving up: each pass cuts the largest list to what the excess asks for. */
const MAX_PASSES = 12

/** The output serialized, cut to fit if needed; undefined when it cannot be made to fit (or serialized). */
export function capOutput(output: unknown, maxBytes: number): { json: string; truncated: boolean } | undefined {
  let json: string
  try {
    json = JSON.stringify(output ?? null)
  } catch {
    // Too deep (RangeError) or cyclic: an output no caller could read.
    return undefined
  }
  if (Buffer.byteLength(json) <= maxBytes) return { json, truncated: false }
  const copy = JSON.parse(json) as unknown
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const longest = largestArray(copy)
    if (!longest || longest.length === 0) return undefined
    // Keep the longest prefix whose items fit in what is left once the excess is taken out (one
    // stringify per item, one pass), at least halving the list when that is not enough.
    const over = Buffer.byteLength(json) - maxBytes
    const sizes = longest.map((item) => Buffer.byteLength(JSON.stringify(item)) + 1)
    let removed = 0
    let keep = longest.length
    while (keep > 0 && removed < over) removed += sizes[--keep] as number
    longest.length = Math.min(keep, pass >= 2 ? Math.floor(longest.length / 2) : keep)
    json = JSON.stringify(copy)
    if (Buffer.byteLength(json) <= maxBytes) return { json, truncated: true }
  }
  return undefined
}

/**
 * The list of two or more items that weighs most once serialized, by an iterative walk down to
 * {@link MAX_DEPTH}. A list inside such a list never weighs more than it, so the walk does not look
 * inside (each byte is weighed once); a list of one item is looked into instead.
 */
function largestArray(value: unknown): unknown[] | undefined {
  let best: unknown[] | undefined
  let bestBytes = -1
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }]
  while (stack.length > 0) {
    const { v, depth } = stack.pop() as { v: unknown; depth: number }
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) continue
    if (Array.isArray(v) && v.length > 1) {
      const bytes = Buffer.byteLength(JSON.stringify(v))
      if (bytes > bestBytes) {
        best = v
        bestBytes = bytes
      }
      continue
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push({ v: child, depth: depth + 1 })
    }
  }
  return best
}

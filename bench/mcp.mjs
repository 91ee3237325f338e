#!/usr/bin/env node
/**
 * MCP tools/call (docs/mcp.md): the latency of calling a no-op action as a tool, one call at a time, p50 and
 * p99, on SQLite and (when DATABASE_URL is set) PostgreSQL. Baseline measured in the same run, interleaved:
 * `POST /v1/runs` of the same action with `wait_ms` (the REST way to run it and get its result), webhooks on for both
 * (an MCP call is a run like any other: its `run.succeeded` event is written; delivery is off in this process).
 * Target: tools/call p50 <= 1.3x the baseline's.
 *
 * Two tools/call figures: a plain HTTP JSON-RPC POST (what the server costs, the same client as the baseline),
 * and the official MCP client (`@modelcontextprotocol/client`, 2026-07-28), which adds its own work per call.
 *
 *   npm run build && node bench/mcp.mjs
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/mcp.mjs
 *
 * Settings (environment): BENCH_MCP_CALLS (timed calls of each kind, 300), BENCH_DBS (sqlite,postgres),
 * BENCH_TIMEOUT (s, whole script, 600), BENCH_CPU_PROF (folder: the server writes a CPU profile).
 */
import { cpus } from 'node:os'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { fail, guard, list, newPostgresDatabase, positive } from './lib/harness.mjs'
import { percentile, setup } from './lib/run-server.mjs'

const env = process.env
const CALLS = positive(env.BENCH_MCP_CALLS, 300)
const dbs = list(env.BENCH_DBS, ['sqlite', 'postgres']).filter((db) => db !== 'postgres' || env.DATABASE_URL)
const { cleanups, cleanup, abort } = guard('mcp', positive(env.BENCH_TIMEOUT, 600))

async function measure(db, databaseUrl) {
  const { start, user, token } = setup(databaseUrl, { cleanups, concurrency: 10 })
  // BENCH_CPU_PROF=<folder>: the server writes a CPU profile there.
  const server = await start({}, env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_CPU_PROF}`] : [])
  const { auth, connectionId } = await user(server.url)
  const mcpToken = await token(server.url, { resource: `${server.url}/mcp`, toolset: 'bench' })

  const rest = async (n) => {
    const res = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ action: 'benchapi.noop', connection_id: connectionId, inputs: { n }, wait_ms: 5000 }),
    })
    const run = await res.json()
    if (run.status !== 'succeeded') fail(`run ${n} ended ${run.status}: ${JSON.stringify(run.error)}`)
  }
  // A 2026-07-28 request as the official client sends it (stateless: one POST, a JSON answer).
  const raw = async (n) => {
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${mcpToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'benchapi_noop',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: n,
        method: 'tools/call',
        params: {
          name: 'benchapi_noop',
          arguments: { n },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    })
    const text = await res.text()
    if (res.status !== 200 || !text.includes('"structuredContent":{}') || text.includes('"isError":true')) {
      fail(`tools/call ${n} answered ${res.status}: ${text.slice(0, 300)}`)
    }
  }
  const client = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${mcpToken}` } } }),
  )
  const official = async (n) => {
    const result = await client.callTool({ name: 'benchapi_noop', arguments: { n } })
    if (result.isError) fail(`tools/call ${n} failed: ${JSON.stringify(result.structuredContent)}`)
  }
  const timed = async (fn, n) => {
    const started = performance.now()
    await fn(n)
    return performance.now() - started
  }
  for (let i = 0; i < 30; i++) {
    await rest(i)
    await raw(i)
    await official(i)
  }
  const samples = { rest: [], raw: [], official: [] }
  for (let i = 0; i < CALLS; i++) {
    // Interleaved, so all three see the same machine state.
    samples.rest.push(await timed(rest, 1000 + i))
    samples.raw.push(await timed(raw, 1000 + i))
    samples.official.push(await timed(official, 1000 + i))
  }
  await client.close()
  await server.stop()
  const out = { db }
  for (const [name, list] of Object.entries(samples)) {
    list.sort((a, b) => a - b)
    out[`${name}_p50_ms`] = +percentile(list, 50).toFixed(2)
    out[`${name}_p99_ms`] = +percentile(list, 99).toFixed(2)
  }
  out.ratio_p50 = +(out.raw_p50_ms / out.rest_p50_ms).toFixed(2)
  out.official_ratio_p50 = +(out.official_p50_ms / out.rest_p50_ms).toFixed(2)
  return out
}

try {
  console.log(`mcp benchmark: ${cpus().length} CPUs, node ${process.version}`)
  const results = []
  for (const db of dbs) {
    const databaseUrl = db === 'postgres' ? await newPostgresDatabase(env.DATABASE_URL, cleanups) : undefined
    const f = await measure(db, databaseUrl)
    results.push(f)
    console.log(
      `${db.padEnd(8)} tools/call no-op: p50 ${f.raw_p50_ms} ms, p99 ${f.raw_p99_ms} ms (official client: p50 ${f.official_p50_ms} ms) | ` +
        `baseline POST /v1/runs wait_ms: p50 ${f.rest_p50_ms} ms, p99 ${f.rest_p99_ms} ms | ratio p50 ${f.ratio_p50} (target <= 1.3; official client ${f.official_ratio_p50})`,
    )
  }
  console.log(JSON.stringify(results))
  await cleanup()
} catch (err) {
  abort(err.stack ?? String(err))
}

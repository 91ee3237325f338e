#!/usr/bin/env node
/**
 * OAuth callback latency: how long Patchbay takes to answer GET /oauth2/callback/<app> — check state and the
 * browser binding, exchange the code at the provider's token endpoint (PKCE), ask the provider's userinfo
 * endpoint who the account is, encrypt and store the connection, record the session outcome, render the result
 * page — and how much of that is spent waiting on the provider.
 *
 *   npm run build && node bench/connect-callback.mjs
 *
 * Sequential flows (one at a time: this is latency, not throughput) against the demo's local OAuth server on
 * 127.0.0.1. Each flow: the partner backend mints a connect session, the script plays the browser up to the
 * provider's redirect back (login and consent once, remembered after), then times the callback request. Per
 * callback it records the time seen by the client, the server's own responseTime (from its log) and the time the
 * provider spent answering the token and userinfo requests made during it.
 *
 * Baseline, in the same run and interleaved with the flows: a bare client doing the same provider work — exchange
 * a fresh code (PKCE, client_secret_post) and call userinfo with the new token, over keep-alive fetch. Ratio =
 * callback median ÷ baseline median (1.0 would mean Patchbay adds nothing to the two provider round trips).
 *
 * Settings: BENCH_CALLBACKS (counted flows per run, 200), BENCH_RUNS (2), BENCH_WARMUP (flows, 20),
 * BENCH_TIMEOUT (s, 300), BENCH_SERVER_CLI (another build's cli.js).
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { join } from 'node:path'
import { guard } from './lib/harness.mjs'
import {
  BASELINE_CLIENT,
  BASELINE_REDIRECT,
  CookieJar,
  connectToCallback,
  request,
  root,
  startConnectStack,
  throughProvider,
} from './lib/connect-stack.mjs'

const positive = (value, fallback) => (value && Number(value) > 0 ? Math.floor(Number(value)) : fallback)
const settings = {
  callbacks: positive(process.env.BENCH_CALLBACKS, 200),
  runs: positive(process.env.BENCH_RUNS, 2),
  warmup: positive(process.env.BENCH_WARMUP, 20),
  timeout: positive(process.env.BENCH_TIMEOUT, 300),
}

const { cleanups, cleanup, abort } = guard('connect-callback bench', settings.timeout)

/** Provider-side time of the token and userinfo requests, collected while a measured request is in flight. */
let measuring = null
const onTiming = (t) => {
  if (measuring && (t.path === '/token' || t.path === '/userinfo')) {
    measuring.ms += t.ms
    measuring.calls++
  }
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return {
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    mean: round(values.reduce((a, b) => a + b, 0) / values.length),
  }
}
const round = (n) => Math.round(n * 100) / 100

async function main() {
  console.log(
    `connect-callback bench: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, ` +
      `${settings.runs} x ${settings.callbacks} sequential flows after ${settings.warmup} warm-up flows`,
  )
  const stack = await startConnectStack({ cleanups, onTiming, cli: process.env.BENCH_SERVER_CLI })
  console.log(`patchbay pid ${stack.pid} on ${stack.url}, local OAuth server ${stack.oauth.issuer}`)
  const providerJar = new CookieJar()
  const baselineJar = new CookieJar()
  const baselineClient = stack.oauth.clients.find((c) => c.clientId === BASELINE_CLIENT)
  let flows = 0

  /** One Patchbay callback, timed three ways. */
  async function callbackOnce() {
    const { token } = await stack.partner.createConnectSession({ apps: ['acme-cloud'], user: `bench-user-${flows++}` })
    // A fresh jar for Patchbay each time: its per-session cookies (pb_s_<id>, one hour) would pile up otherwise.
    const pbJar = new CookieJar()
    const callbackUrl = await connectToCallback(stack, token, { pbJar, providerJar, params: { nonce: randomBytes(16).toString('hex') } })
    if (!callbackUrl.startsWith(`${stack.url}/oauth2/callback/acme-cloud?`)) throw new Error(`unexpected redirect ${callbackUrl}`)
    const logged = stack.completed.length
    measuring = { ms: 0, calls: 0 }
    const res = await request(callbackUrl, pbJar)
    const provider = measuring
    measuring = null
    if (res.status !== 200 || !res.text.includes('Acme Cloud connected')) {
      throw new Error(`callback answered ${res.status}: ${res.text.replace(/\s+/g, ' ').slice(0, 400)}`)
    }
    if (provider.calls !== 2) throw new Error(`expected 2 provider calls (token, userinfo) during the callback, saw ${provider.calls}`)
    // The server logs the completion right after sending; give the log line a moment (up to 5 s) to arrive.
    const deadline = performance.now() + 5000
    while (!stack.completed.slice(logged).some((c) => c.url.startsWith('/oauth2/callback/')) && performance.now() < deadline) {
      await new Promise((done) => setTimeout(done, 2))
    }
    const server = stack.completed.slice(logged).find((c) => c.url.startsWith('/oauth2/callback/'))
    if (!server) throw new Error('no log line for the callback request')
    return { client: res.ms, server: server.ms, provider: provider.ms }
  }

  /** The baseline: a fresh code from the provider, then only the timed token exchange + userinfo, no Patchbay. */
  async function baselineOnce() {
    const verifier = randomBytes(32).toString('base64url')
    const authorize = new URL(stack.oauth.endpoints.authorization)
    const state = randomBytes(16).toString('base64url')
    for (const [k, v] of Object.entries({
      client_id: BASELINE_CLIENT,
      redirect_uri: BASELINE_REDIRECT,
      response_type: 'code',
      scope: 'openid email profile api:read',
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }))
      authorize.searchParams.set(k, v)
    const back = new URL(await throughProvider(authorize.href, baselineJar, { issuer: stack.oauth.issuer }))
    const code = back.searchParams.get('code')
    if (!code || back.searchParams.get('state') !== state) throw new Error(`baseline authorization failed: ${back.href}`)
    measuring = { ms: 0, calls: 0 }
    const started = performance.now()
    const tokenRes = await fetch(stack.oauth.endpoints.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: BASELINE_REDIRECT,
        code_verifier: verifier,
        client_id: BASELINE_CLIENT,
        client_secret: baselineClient.clientSecret,
      }),
    })
    const tokens = await tokenRes.json()
    if (!tokenRes.ok || !tokens.access_token) throw new Error(`baseline token exchange failed: ${JSON.stringify(tokens)}`)
    const infoRes = await fetch(stack.oauth.endpoints.userinfo, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    const info = await infoRes.json()
    if (!infoRes.ok || !info.email) throw new Error(`baseline userinfo failed: ${JSON.stringify(info)}`)
    const client = performance.now() - started
    const provider = measuring
    measuring = null
    return { client, provider: provider.ms }
  }

  for (let i = 0; i < settings.warmup; i++) {
    await callbackOnce()
    await baselineOnce()
  }

  const runs = []
  for (let run = 1; run <= settings.runs; run++) {
    const cb = { client: [], server: [], provider: [] }
    const base = { client: [], provider: [] }
    const started = performance.now()
    for (let i = 0; i < settings.callbacks; i++) {
      // Alternate which goes first so neither always runs right after the other's garbage.
      const pair = i % 2 === 0 ? [callbackOnce, baselineOnce] : [baselineOnce, callbackOnce]
      for (const fn of pair) {
        const r = await fn()
        const into = fn === callbackOnce ? cb : base
        for (const k of Object.keys(into)) into[k].push(r[k])
      }
    }
    const summary = {
      run,
      seconds: round((performance.now() - started) / 1000),
      callbackClient: stats(cb.client),
      callbackServer: stats(cb.server),
      callbackProvider: stats(cb.provider),
      callbackOwn: stats(cb.server.map((ms, i) => ms - cb.provider[i])),
      baselineClient: stats(base.client),
      baselineProvider: stats(base.provider),
    }
    summary.ratio = round(summary.callbackClient.p50 / summary.baselineClient.p50)
    summary.providerShare = round(summary.callbackProvider.p50 / summary.callbackServer.p50)
    runs.push(summary)
    console.log(
      `run ${run}: callback p50 ${summary.callbackClient.p50} ms (server ${summary.callbackServer.p50} ms, of which provider ` +
        `${summary.callbackProvider.p50} ms), baseline p50 ${summary.baselineClient.p50} ms, ratio ${summary.ratio}`,
    )
  }

  const best = runs.reduce((a, b) => (b.callbackClient.p50 < a.callbackClient.p50 ? b : a))
  const rows = [
    ['callback, seen by the client', best.callbackClient],
    ["callback, server's responseTime", best.callbackServer],
    ['  provider time inside it (token + userinfo)', best.callbackProvider],
    ["  Patchbay's own (server - provider)", best.callbackOwn],
    ['baseline: bare token + userinfo, client', best.baselineClient],
    ['  provider time inside it', best.baselineProvider],
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  console.log(`\n${'ms'.padStart(width)}     p50     p90     p99    mean`)
  for (const [label, s] of rows) {
    console.log(`${label.padEnd(width)}  ${[s.p50, s.p90, s.p99, s.mean].map((v) => v.toFixed(2).padStart(6)).join('  ')}`)
  }
  console.log(
    `\nratio callback / baseline (p50): ${best.ratio} (runs: ${runs.map((r) => r.ratio).join(', ')}); ` +
      `share of the callback spent in the provider (p50): ${Math.round(best.providerShare * 100)} %`,
  )
  const line = JSON.stringify({
    bench: 'connect-callback',
    date: new Date().toISOString(),
    node: process.version,
    cores: availableParallelism(),
    callbacks: settings.callbacks,
    warmup: settings.warmup,
    runs,
    best: best.run,
    ok: true,
  })
  console.log(line)
  const dir = join(root, 'bench/results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `connect-callback-${new Date().toISOString().replaceAll(':', '-')}.json`), `${line}\n`)
}

main().then(
  () => cleanup().then(() => process.exit(0)),
  (err) => abort(err.stack ?? err.message),
)

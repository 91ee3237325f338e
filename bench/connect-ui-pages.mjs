#!/usr/bin/env node
/**
 * Connect UI page weight: the bytes of every Connect UI page exactly as the running server sends it (HTML with its
 * inline CSS and JS — a page loads nothing else but the app's logo), against a budget of 10 KB per page.
 *
 *   npm run build && node bench/connect-ui-pages.mjs
 *
 * Patchbay runs as a child process with the demo's partner and apps (examples/demo); the script plays the browser
 * over HTTP to reach each page for real: picker, API-key form, the form after a refused key, "redirecting" (after a
 * form post in redirect mode), success and error results (OAuth callback after Allow / Deny at the local OAuth
 * server), an expired link (a session left to expire: PATCHBAY_SESSION_TTL is 30 s here, so the run waits for it),
 * an already used link, and an error page (an unregistered redirect_uri). Pages use the partner's default theme
 * (`auto`, which carries both the light and the dark palette: the largest variant); `theme=light` is shown for
 * comparison. Baseline: none is needed for a size; the budget is the target. Fails (exit 1) above the budget.
 *
 * Settings: BENCH_PAGE_BUDGET (bytes, 10240), BENCH_TIMEOUT (s, 180), BENCH_SERVER_CLI (another build's cli.js).
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { guard } from './lib/harness.mjs'
import { appsDir } from '@patchbay/catalog'
import { ACME_STATUS_KEY } from '../examples/demo/apps.mjs'
import { CookieJar, connectToCallback, request, root, startConnectStack } from './lib/connect-stack.mjs'

const positive = (value, fallback) => (value && Number(value) > 0 ? Math.floor(Number(value)) : fallback)
const BUDGET = positive(process.env.BENCH_PAGE_BUDGET, 10 * 1024)
const TIMEOUT = positive(process.env.BENCH_TIMEOUT, 180)
const SESSION_TTL = 30

const { cleanups, cleanup, abort } = guard('connect-ui-pages bench', TIMEOUT)

function measure(name, res, expect) {
  if (!res.text.includes(expect))
    throw new Error(`${name}: expected "${expect}" in the page (HTTP ${res.status}): ${res.text.slice(0, 300)}`)
  const html = Buffer.byteLength(res.text)
  const header = [...res.headers].reduce((sum, [k, v]) => sum + k.length + v.length + 4, 0)
  const subresources = [...res.text.matchAll(/<(?:img|script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1])
  return {
    page: name,
    status: res.status,
    bytes: html,
    css: [...res.text.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].reduce((s, m) => s + Buffer.byteLength(m[1]), 0),
    js: [...res.text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].reduce((s, m) => s + Buffer.byteLength(m[1]), 0),
    gzip: gzipSync(res.text).length,
    headers: header,
    subresources,
  }
}

async function main() {
  const stack = await startConnectStack({ cleanups, sessionTtl: SESSION_TTL, cli: process.env.BENCH_SERVER_CLI })
  const { partner } = stack
  let users = 0
  const session = (apps, redirect = false) => partner.createConnectSession({ apps, redirect, user: `pages-user-${users++}` })
  const open = async (jar, path, token, params = {}) => {
    const url = new URL(path, stack.url)
    url.searchParams.set('token', token)
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
    const res = await request(url.href, jar)
    return res.location && res.status === 303 ? request(res.location, jar) : res
  }

  // Started first: it has to expire while the others are measured.
  const expiring = await session(['acme-cloud'])
  const expiresAt = Date.now() + SESSION_TTL * 1000

  const rows = []
  for (const theme of ['auto', 'light']) {
    const params = theme === 'auto' ? {} : { theme }
    const add = (name, res, expect) => rows.push({ theme, ...measure(name, res, expect) })

    let jar = new CookieJar()
    add('picker', await open(jar, '/connect', (await session(['acme-cloud', 'acme-status'])).token, params), 'Connect an app')

    jar = new CookieJar()
    const form = await open(jar, '/to/acme-status', (await session(['acme-status'])).token, params)
    add('form', form, 'Connect Acme Status')
    const action = new URL(/<form method="post" action="([^"]+)"/.exec(form.text)[1], stack.url).href
    add(
      'form-error',
      await request(action, jar, { method: 'POST', form: { auth_option: 'api_key', api_key: 'acme_not_the_right_key' } }),
      'role="alert"',
    )

    jar = new CookieJar()
    const redirectForm = await open(jar, '/to/acme-status', (await session(['acme-status'], true)).token, {
      ...params,
      redirect_uri: partner.returnUrl,
    })
    const redirectAction = new URL(/<form method="post" action="([^"]+)"/.exec(redirectForm.text)[1], stack.url).href
    add(
      'redirecting',
      await request(redirectAction, jar, { method: 'POST', form: { auth_option: 'api_key', api_key: ACME_STATUS_KEY } }),
      'Redirecting to',
    )

    for (const [name, decision, expect] of [
      ['success', 'allow', 'Acme Cloud connected'],
      ['error', 'deny', 'Could not connect Acme Cloud'],
    ]) {
      const pbJar = new CookieJar()
      const callback = await connectToCallback(stack, (await session(['acme-cloud'])).token, {
        pbJar,
        providerJar: new CookieJar(),
        decision,
        params: { ...params, nonce: 'bench-nonce-0123456789' },
      })
      add(name, await request(callback, pbJar), expect)
    }

    if (theme !== 'auto') continue // the pages below come before the session's theme is known: always `auto`
    const used = await session(['acme-cloud'])
    await open(new CookieJar(), '/to/acme-cloud', used.token, params)
    add('used', await request(`${stack.url}/to/acme-cloud?token=${used.token}`, new CookieJar()), 'already used')

    add(
      'error-page',
      await request(
        `${stack.url}/to/acme-cloud?token=${(await session(['acme-cloud'])).token}&redirect_uri=${encodeURIComponent('https://elsewhere.example/')}`,
        new CookieJar(),
      ),
      'not registered',
    )
  }

  const wait = expiresAt - Date.now() + 500
  if (wait > 0) {
    console.log(`waiting ${Math.ceil(wait / 1000)} s for a session to expire…`)
    await new Promise((done) => setTimeout(done, wait))
  }
  rows.push({
    theme: 'auto',
    ...measure('expired', await request(`${stack.url}/to/acme-cloud?token=${expiring.token}`, new CookieJar()), 'expired'),
  })

  const header = ['page', 'theme', 'HTTP', 'bytes', 'CSS', 'JS', 'gzip', 'headers', 'loads']
  const table = rows.map((r) => [
    r.page,
    r.theme,
    String(r.status),
    String(r.bytes),
    String(r.css),
    String(r.js),
    String(r.gzip),
    String(r.headers),
    r.subresources.map((s) => s.replace(/^\/assets\/apps\//, 'logo ')).join(' ') || '-',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)))
  const line = (cells) => cells.map((c, i) => (i < 2 || i === 8 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log(`\n${line(header)}`)
  for (const row of table) console.log(line(row))
  // The one thing a page loads besides itself: the app's logo (custom apps like the demo's have none).
  const logos = readdirSync(appsDir)
    .map((key) => join(appsDir, key, 'logo.svg'))
    .filter((file) => existsSync(file))
    .map((file) => statSync(file).size)
    .sort((a, b) => a - b)
  console.log(
    `\ncatalog app logos (the one image a page loads): ${logos.length} SVGs, ${logos[0]}-${logos.at(-1)} bytes, median ${logos[Math.floor(logos.length / 2)]}`,
  )
  const largest = rows.reduce((a, b) => (b.bytes > a.bytes ? b : a))
  const over = rows.filter((r) => r.bytes > BUDGET)
  console.log(
    `\nlargest: ${largest.page} (${largest.theme}) ${largest.bytes} bytes = ${((largest.bytes / BUDGET) * 100).toFixed(0)} % of the ` +
      `${BUDGET}-byte budget; ${over.length ? `OVER BUDGET: ${over.map((r) => `${r.page}/${r.theme}`).join(', ')}` : 'every page is within it'}`,
  )
  const json = JSON.stringify({
    bench: 'connect-ui-pages',
    date: new Date().toISOString(),
    budget: BUDGET,
    pages: rows,
    logoBytes: { min: logos[0], max: logos.at(-1), median: logos[Math.floor(logos.length / 2)] },
    ok: over.length === 0,
  })
  console.log(json)
  const dir = join(root, 'bench/results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `connect-ui-pages-${new Date().toISOString().replaceAll(':', '-')}.json`), `${json}\n`)
  return over.length === 0
}

main().then(
  (ok) => cleanup().then(() => process.exit(ok ? 0 : 1)),
  (err) => abort(err.stack ?? err.message),
)

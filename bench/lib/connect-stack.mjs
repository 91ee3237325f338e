/**
 * The Connect flow's moving parts for benchmarks, all on 127.0.0.1: Patchbay as a child process (built cli.js,
 * throw-away data folder and config file, info-level logs parsed for each request's server-side responseTime),
 * and in this process the demo's local OAuth server ("Acme Cloud", examples/demo/local-oauth-server.mjs, with
 * per-request timings) and the demo partner's backend (which mints connect sessions). Plus a minimal browser
 * stand-in over HTTP (cookie jars, redirects, the provider's login and consent forms).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ACME_STATUS_KEY, acmeStatusApi, demoApps } from '../../examples/demo/apps.mjs'
import { ACME_CLIENT_ID, ACME_SECRET_ENV, partnerDeclaration } from '../../examples/demo/demo.mjs'
import { startOAuthProvider } from '../../examples/demo/local-oauth-server.mjs'
import { startPartnerApp } from '../../examples/demo/partner-app.mjs'
import { loadPartnerKey } from '../../examples/demo/partner-key.mjs'
import { freePort } from './harness.mjs'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const BASELINE_CLIENT = 'bench-baseline'
/** Nothing listens there: the baseline client reads its code from the Location header and never follows it. */
export const BASELINE_REDIRECT = 'http://127.0.0.1:9/bench-callback'

/**
 * Starts everything. `cleanups` receives the stop functions (run them in reverse order). Options: sessionTtl
 * (seconds), onTiming (provider request timings), cli (another build's cli.js).
 */
export async function startConnectStack({ cleanups, sessionTtl, onTiming, cli: cliPath } = {}) {
  const cli = cliPath ? resolve(cliPath) : join(root, 'packages/server/dist/cli.js')
  if (!existsSync(cli)) throw new Error(`${cli} is missing; run \`npm run build\` first`)
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-connect-'))
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))

  const key = await loadPartnerKey(join(dir, 'partner'))
  const acmeSecret = randomBytes(32).toString('base64url')
  const oauth = await startOAuthProvider({
    clients: [
      { clientId: ACME_CLIENT_ID, clientSecret: acmeSecret, tokenEndpointAuthMethod: 'client_secret_post' },
      { clientId: BASELINE_CLIENT, redirectUris: [BASELINE_REDIRECT], tokenEndpointAuthMethod: 'client_secret_post' },
    ],
    accessTokenTtl: 3600,
    handle: acmeStatusApi,
    onTiming,
  })
  cleanups.push(() => oauth.close())
  const partner = await startPartnerApp({ port: 0, key, acmeStatusKey: ACME_STATUS_KEY })
  cleanups.push(() => partner.close())

  const configFile = join(dir, 'patchbay.json')
  writeFileSync(
    configFile,
    JSON.stringify({
      partners: [partnerDeclaration({ key, origin: partner.origin, returnUrl: partner.returnUrl, acmeIssuer: oauth.issuer })],
      apps: demoApps(oauth.issuer),
      ...(sessionTtl ? { sessionTtl } : {}),
      rateLimit: { tokenPerIp: 1e9, tokenPerClient: 1e9, connectPerIp: 1e9 },
    }),
  )
  const port = await freePort()
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATCHBAY_') && k !== 'DATABASE_URL'))
  Object.assign(env, {
    PATCHBAY_CONFIG: configFile,
    PATCHBAY_HOST: '127.0.0.1',
    PATCHBAY_PORT: String(port),
    PATCHBAY_DATA_DIR: join(dir, 'data'),
    PATCHBAY_LOG_LEVEL: 'info',
    PATCHBAY_OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8',
    [ACME_SECRET_ENV]: acmeSecret,
  })
  const child = spawn(process.execPath, [cli, 'start', '--dev'], { env, stdio: ['ignore', 'pipe', 'pipe'] })

  // Every completed request, from the server's own log: { url, status, ms } (ms = fastify's responseTime).
  const completed = []
  const urls = new Map()
  const tail = []
  let partial = ''
  child.stdout.on('data', (chunk) => {
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop()
    for (const line of lines) {
      tail.push(line)
      if (tail.length > 40) tail.shift()
      let entry
      try {
        entry = JSON.parse(line)
      } catch {
        continue
      }
      if (entry.msg === 'incoming request') urls.set(entry.reqId, entry.req?.url)
      else if (entry.msg === 'request completed' || entry.msg === 'request errored') {
        completed.push({ url: urls.get(entry.reqId) ?? '', status: entry.res?.statusCode, ms: entry.responseTime })
        urls.delete(entry.reqId)
      }
    }
  })
  child.stderr.on('data', (chunk) => {
    tail.push(chunk.toString())
    if (tail.length > 40) tail.shift()
  })
  let exited = false
  let stopping = false
  const exit = new Promise((done) =>
    child.once('exit', (code, signal) => {
      exited = true
      if (!stopping) console.error(`patchbay child exited (code ${code}, signal ${signal}):\n${tail.join('\n')}`)
      done()
    }),
  )
  const stop = async () => {
    stopping = true
    if (exited) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exit
    clearTimeout(timer)
  }
  cleanups.push(stop)

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited) throw new Error(`Patchbay did not start:\n${tail.join('\n')}`)
    try {
      if ((await fetch(`${url}/readyz`)).ok) break
    } catch {}
    if (Date.now() > deadline) throw new Error(`Patchbay was not ready within 30s:\n${tail.join('\n')}`)
    await new Promise((done) => setTimeout(done, 100))
  }
  oauth.setRedirectUris([`${url}/oauth2/callback/acme-cloud`], ACME_CLIENT_ID)
  partner.setPatchbayUrl(url)
  return { url, pid: child.pid, oauth, partner, completed, stop }
}

/** Cookies per origin, as a browser would keep them (paths ignored: every test cookie name is unique enough). */
export class CookieJar {
  jars = new Map()

  store(url, res) {
    const origin = new URL(url).origin
    const jar = this.jars.get(origin) ?? new Map()
    this.jars.set(origin, jar)
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const gone = attributes.some((a) => {
        const [k, v] = a.trim().split('=')
        return (k.toLowerCase() === 'max-age' && Number(v) <= 0) || (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now())
      })
      if (gone || value === '') jar.delete(name)
      else jar.set(name, value)
    }
  }

  header(url) {
    const jar = this.jars.get(new URL(url).origin)
    return jar && jar.size > 0 ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined
  }
}

/** One request, redirects not followed; resolves with status, absolute location, body text and timing. */
export async function request(url, jar, { method = 'GET', form, headers = {} } = {}) {
  const cookie = jar?.header(url)
  const started = performance.now()
  const res = await fetch(url, {
    method,
    redirect: 'manual',
    headers: {
      ...headers,
      ...(cookie ? { cookie } : {}),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  })
  jar?.store(url, res)
  const text = await res.text()
  const ms = performance.now() - started
  const location = res.headers.get('location')
  return { status: res.status, location: location ? new URL(location, url).href : undefined, text, headers: res.headers, ms }
}

/**
 * Walks the provider's pages like a user (signing in, answering the consent page) from `url` until a redirect
 * leaves the provider; returns that URL (the client's redirect_uri with code or error).
 */
export async function throughProvider(url, jar, { issuer, decision = 'allow', username = 'alice' }) {
  let next = url
  for (let hop = 0; hop < 15; hop++) {
    if (!next.startsWith(`${issuer}/`)) return next
    let res = await request(next, jar)
    if (res.status === 200 && res.text.includes('id="provider-login"')) {
      res = await request(`${next}/login`, jar, { method: 'POST', form: { username } })
    } else if (res.status === 200 && res.text.includes('id="provider-consent"')) {
      res = await request(`${next}/${decision}`, jar, { method: 'POST', form: {} })
    }
    if (!res.location) throw new Error(`provider answered ${res.status} without a redirect at ${next}: ${res.text.slice(0, 300)}`)
    next = res.location
  }
  throw new Error('too many redirects at the provider')
}

/** From a session code to the provider's redirect back to Patchbay's callback (not requested). */
export async function connectToCallback(
  stack,
  code,
  { pbJar, providerJar, app = 'acme-cloud', decision = 'allow', username, params = {} },
) {
  const open = new URL(`/to/${app}`, stack.url)
  open.searchParams.set('token', code)
  for (const [k, v] of Object.entries(params)) open.searchParams.set(k, v)
  const opened = await request(open.href, pbJar)
  if (opened.status !== 303 || !opened.location) throw new Error(`GET /to/${app} answered ${opened.status}: ${opened.text.slice(0, 300)}`)
  const page = await request(opened.location, pbJar)
  if (page.status !== 303 || !page.location) throw new Error(`GET ${new URL(opened.location).pathname} answered ${page.status}`)
  return throughProvider(page.location, providerJar, { issuer: stack.oauth.issuer, decision, username })
}

/**
 * The whole demo in one call, everything on 127.0.0.1:
 *
 * - "Acme", a local OAuth 2.0 / OpenID Connect server (local-oauth-server.mjs) playing the third-party app
 *   Acme Cloud (login page, consent page, PKCE, refresh tokens), plus the tiny Acme Status API (API keys);
 * - "Demo CRM", the partner web app (partner-app.mjs, public/);
 * - Patchbay in development mode, with its embedded database in the data directory, the demo partner declared
 *   in its configuration (inline JWKS, its own OAuth client for Acme Cloud) and the two Acme apps as custom apps.
 *
 * start.mjs runs it from the command line; the tests and docs/screenshots.mjs call `startDemo` directly.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { Writable } from 'node:stream'
import { demoActions } from './actions.mjs'
import { ACME_CLOUD_COLOR, ACME_STATUS_KEY, acmeStatusApi, demoApps } from './apps.mjs'
import { startOAuthProvider } from './local-oauth-server.mjs'
import { PARTNER, startPartnerApp } from './partner-app.mjs'
import { clientSecretHash, loadPartnerKey } from './partner-key.mjs'

/** A problem the person starting the demo can fix (a taken port, a missing build); start.mjs prints only the message. */
export class DemoError extends Error {
  name = 'DemoError'
}

/** The OAuth client Patchbay uses at Acme Cloud (the partner's own client, as with any real provider). */
export const ACME_CLIENT_ID = 'patchbay-demo'
export const ACME_SECRET_ENV = 'PATCHBAY_DEMO_ACME_CLOUD_CLIENT_SECRET'

async function loadPatchbay() {
  try {
    return await import('@patchbay/server')
  } catch (err) {
    throw new DemoError(`cannot load @patchbay/server (${err.message}); run \`npm run build\` first`)
  }
}

/** Fails early, before anything starts, when a fixed port is taken. */
async function checkPortFree(port, what, envName) {
  if (port === 0) return
  await new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', (err) =>
      fail(
        err.code === 'EADDRINUSE'
          ? new DemoError(
              `port ${port} (${what}) is already in use on 127.0.0.1: stop what uses it, or pick another port with ${envName}=<port>`,
            )
          : err,
      ),
    )
    probe.listen(port, '127.0.0.1', () => probe.close(done))
  })
}

function portError(err, port, what, envName) {
  if (err?.code === 'EADDRINUSE') {
    return new DemoError(
      `port ${port} (${what}) is already in use on 127.0.0.1: stop what uses it, or pick another port with ${envName}=<port>`,
    )
  }
  return err
}

/** Patchbay's JSON log lines, shortened to one readable line each. */
function logPrinter(write) {
  const levels = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
  return new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue
        try {
          const entry = JSON.parse(line)
          const detail = entry.err?.message ? ` (${entry.err.message})` : entry.req ? ` ${entry.req.method} ${entry.req.url}` : ''
          write(`patchbay ${levels[entry.level] ?? entry.level}: ${entry.msg ?? ''}${detail}\n`)
        } catch {
          write(`patchbay: ${line}\n`)
        }
      }
      callback()
    },
  })
}

/**
 * The demo partner as an operator declares it (config `partners`, or PATCHBAY_CONFIG): its public key inline, the
 * hash of its client secret, where its pages live, its branding, and its own OAuth client at Acme Cloud (the secret
 * comes from the environment variable named by clientSecretEnv).
 */
export function partnerDeclaration({ key, origin, returnUrl, acmeIssuer }) {
  return {
    id: PARTNER.id,
    name: PARTNER.name,
    jwks: { keys: [key.publicJwk] },
    algorithms: [key.alg],
    issuer: PARTNER.issuer,
    audience: PARTNER.audience,
    userClaim: 'sub',
    tenantClaim: 'org',
    clientId: key.clientId,
    clientSecretHash: clientSecretHash(key.clientSecret),
    redirectUris: [returnUrl],
    allowedOrigins: [origin],
    branding: {
      displayName: PARTNER.name,
      brandColor: '#4f46e5',
      mode: 'auto',
      themes: { ocean: { mode: 'dark', brandColor: '#0ea5e9' } },
    },
    apps: { 'acme-cloud': { clientId: ACME_CLIENT_ID, clientSecretEnv: ACME_SECRET_ENV, issuer: acmeIssuer } },
  }
}

/**
 * Starts the demo. Ports default to Patchbay 3000, the partner app 3001 and the Acme server 3002; 0 picks free ones.
 * Resolves to the URLs and handles of every piece, and `close()`, which stops them all.
 */
export async function startDemo(options = {}) {
  const ports = {
    patchbay: options.patchbayPort ?? 3000,
    partner: options.partnerPort ?? 3001,
    oauth: options.oauthPort ?? 3002,
  }
  const env = options.portEnv ?? { patchbay: 'PATCHBAY_PORT', partner: 'DEMO_PARTNER_PORT', oauth: 'DEMO_OAUTH_PORT' }
  const dataDir = resolve(options.dataDir ?? '.patchbay')
  const write = options.log ?? ((text) => process.stderr.write(text))
  const { createLogger, loadConfig, startServer } = await loadPatchbay()

  await checkPortFree(ports.patchbay, 'Patchbay', env.patchbay)
  await checkPortFree(ports.partner, 'the Demo CRM partner app', env.partner)
  await checkPortFree(ports.oauth, 'the local Acme OAuth server', env.oauth)

  const stops = []
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
  }
  try {
    const key = await loadPartnerKey(dataDir)

    // 1. The third-party app. Its client secret is new on every start; Patchbay reads it from the environment.
    const acmeClientSecret = randomBytes(32).toString('base64url')
    const oauth = await startOAuthProvider({
      port: ports.oauth,
      brand: { name: 'Acme Cloud', color: ACME_CLOUD_COLOR },
      clients: [{ clientId: ACME_CLIENT_ID, clientSecret: acmeClientSecret, tokenEndpointAuthMethod: 'client_secret_post' }],
      accessTokenTtl: 3600,
      rememberConsent: false,
      handle: acmeStatusApi,
    }).catch((err) => {
      throw portError(err, ports.oauth, 'the local Acme OAuth server', env.oauth)
    })
    stops.push(() => oauth.close())

    // 2. The partner app (its origin goes into Patchbay's configuration).
    const partner = await startPartnerApp({ port: ports.partner, key, acmeStatusKey: ACME_STATUS_KEY }).catch((err) => {
      throw portError(err, ports.partner, 'the Demo CRM partner app', env.partner)
    })
    stops.push(() => partner.close())

    // 3. Patchbay, with the partner declared the way an operator would in PATCHBAY_CONFIG.
    process.env[ACME_SECRET_ENV] = acmeClientSecret
    const config = loadConfig(
      {},
      {
        host: '127.0.0.1',
        port: ports.patchbay,
        dataDir,
        devMode: true,
        logLevel: options.logLevel ?? 'warn',
        // The Acme server is on loopback: allow it explicitly (everything private is refused otherwise).
        'outbound.allowPrivateRanges': ['127.0.0.0/8'],
        apps: demoApps(oauth.issuer),
        partners: [partnerDeclaration({ key, origin: partner.origin, returnUrl: partner.returnUrl, acmeIssuer: oauth.issuer })],
        ...options.config,
      },
    )
    const logger = createLogger(config, logPrinter(write))
    const patchbay = await startServer(config, { logger, actions: demoActions }).catch((err) => {
      throw portError(err, ports.patchbay, 'Patchbay', env.patchbay)
    })
    stops.push(() => patchbay.close())
    const patchbayUrl = patchbay.services.config.publicUrl

    oauth.setRedirectUris([`${patchbayUrl}/oauth2/callback/acme-cloud`])
    partner.setPatchbayUrl(patchbayUrl)

    return {
      urls: { partner: partner.origin, patchbay: patchbayUrl, oauth: oauth.issuer },
      dataDir,
      partnerKeyFile: key.file,
      partnerKeyCreated: key.created,
      acmeStatusKey: ACME_STATUS_KEY,
      oauth,
      partner,
      patchbay,
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}

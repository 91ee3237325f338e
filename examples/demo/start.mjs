#!/usr/bin/env node
/**
 * `npm start`: the whole Connect flow on localhost, no accounts anywhere.
 *
 *   npm run build && node examples/demo/start.mjs
 *
 * Environment: PATCHBAY_PORT (3000), DEMO_PARTNER_PORT (3001), DEMO_OAUTH_PORT (3002); 0 picks a free port.
 * PATCHBAY_DATA_DIR (.patchbay): Patchbay's embedded database, its development encryption key and the demo
 * partner's key file. PATCHBAY_LOG_LEVEL (warn). Ctrl-C stops everything.
 */
import { DemoError, startDemo } from './demo.mjs'

function port(name, fallback) {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new DemoError(`${name} must be a port number between 0 and 65535 (got ${JSON.stringify(value)})`)
  }
  return Number(value)
}

function banner(demo) {
  const { partner, patchbay, oauth } = demo.urls
  const rows = [
    ['Demo CRM (the partner app)', partner],
    ['Patchbay (Connect UI and API)', patchbay],
    ['Acme Cloud (local OAuth server)', `${oauth}  (sign in with any username)`],
    ['Acme Status API key', demo.acmeStatusKey],
    ['Data (embedded database)', demo.dataDir],
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  return [
    '',
    '  Patchbay demo is running.',
    '',
    `  Open ${partner} and click "Connect Acme Cloud".`,
    '',
    ...rows.map(([label, value]) => `    ${label.padEnd(width)}  ${value}`),
    '',
    '  Press Ctrl-C to stop everything.',
    '',
  ].join('\n')
}

async function main() {
  const env = process.env
  // Signals count from the start: Ctrl-C while starting stops what has started, then exits.
  let demo
  let stopping = false
  const stop = (signal) => {
    if (stopping) {
      process.stderr.write('demo: stopping now\n')
      process.exit(1)
    }
    stopping = true
    process.stderr.write(`demo: ${signal}, stopping…\n`)
    if (!demo) return // startup finishes first, then sees `stopping`
    demo.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`demo: ${err.message}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))

  const started = await startDemo({
    patchbayPort: port('PATCHBAY_PORT', 3000),
    partnerPort: port('DEMO_PARTNER_PORT', 3001),
    oauthPort: port('DEMO_OAUTH_PORT', 3002),
    dataDir: env.PATCHBAY_DATA_DIR || '.patchbay',
    logLevel: env.PATCHBAY_LOG_LEVEL || 'warn',
  })
  demo = started
  if (stopping) {
    await started.close()
    process.exit(0)
  }
  if (started.partnerKeyCreated) process.stderr.write(`demo: created the demo partner's key pair in ${started.partnerKeyFile}\n`)
  process.stdout.write(`${banner(started)}\n`)
}

main().catch((err) => {
  if (err instanceof DemoError || err?.name === 'ConfigError') process.stderr.write(`demo: ${err.message}\n`)
  else process.stderr.write(`demo: ${err?.stack ?? err}\n`)
  process.exit(1)
})

/**
 * What every benchmark script needs around its measurements: cleanup on exit, interruption and a
 * whole-script timeout; free ports; a throw-away PostgreSQL database; reading settings.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'

/**
 * Cleanups run once, in reverse order of registration, on `cleanup()`, on SIGINT/SIGTERM, and when
 * the script runs past `timeoutSeconds` (BENCH_TIMEOUT); `abort(why)` prints `<name>: why`, cleans up
 * and exits.
 */
export function guard(name, timeoutSeconds) {
  const cleanups = []
  let cleaning
  const cleanup = () => {
    cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) await fn().catch((err) => console.error(`cleanup: ${err.message}`))
    })()
    return cleaning
  }
  const abort = (why, code = 1) => {
    console.error(`${name}: ${why}`)
    cleanup().finally(() => process.exit(code))
  }
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => abort(`interrupted (${signal})`, 130))
  setTimeout(() => abort(`timed out after ${timeoutSeconds}s (BENCH_TIMEOUT)`), timeoutSeconds * 1000).unref()
  return { cleanups, cleanup, abort }
}

/** A TCP port nothing listens on right now (for children that must be told their port). */
export async function freePort() {
  const srv = createServer()
  await new Promise((done) => srv.listen(0, '127.0.0.1', done))
  const { port } = srv.address()
  await new Promise((done) => srv.close(done))
  return port
}

/** A fresh database next to the one `databaseUrl` names; its drop is added to `cleanups`. */
export async function newPostgresDatabase(databaseUrl, cleanups) {
  const { default: pg } = await import('pg')
  const name = `patchbay_bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      await client.query(`drop database if exists ${name} with (force)`)
    } finally {
      await client.end()
    }
  })
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** A positive number from an environment setting; `fallback` when unset; throws on anything else. */
export function positive(value, fallback) {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) fail(`expected a positive number, got ${JSON.stringify(value)}`)
  return n
}

/** A comma-separated setting as a list; `fallback` when unset. */
export function list(value, fallback) {
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : fallback
}

export function fail(message) {
  throw new Error(message)
}

#!/usr/bin/env node
/**
 * Runs every benchmark in this folder (bench/*.mjs except this file), one after the other, with the
 * same environment (BENCH_*, DATABASE_URL). Exits non-zero if any of them failed.
 *
 *   npm run build && npm run bench
 *   BENCH_ONLY=token-exchange npm run bench      # a comma-separated subset, by file name
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const self = basename(fileURLToPath(import.meta.url))
const only = process.env.BENCH_ONLY?.split(',')
  .map((s) => s.trim().replace(/\.mjs$/, ''))
  .filter(Boolean)

const scripts = readdirSync(here)
  .filter((name) => name.endsWith('.mjs') && name !== self)
  .filter((name) => !only?.length || only.includes(name.replace(/\.mjs$/, '')))
  .sort()

if (scripts.length === 0) {
  console.error(`run-all: no benchmark to run${only ? ` (BENCH_ONLY=${process.env.BENCH_ONLY})` : ''}`)
  process.exit(1)
}

let current
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // The running benchmark cleans up its own children and temp files on the same signal.
    current?.kill(signal)
    process.exitCode = 130
  })
}

const outcomes = []
for (const script of scripts) {
  console.log(`\n=== ${script} ===`)
  const started = Date.now()
  const code = await new Promise((done) => {
    current = spawn(process.execPath, [join(here, script)], { stdio: 'inherit', env: process.env })
    current.once('exit', (exitCode, signal) => done(exitCode ?? (signal ? 1 : 0)))
    current.once('error', (err) => {
      console.error(`run-all: cannot start ${script}: ${err.message}`)
      done(1)
    })
  })
  current = undefined
  outcomes.push({ script, code, seconds: Math.round((Date.now() - started) / 1000) })
  if (process.exitCode === 130) break
}

console.log('\n=== summary ===')
for (const { script, code, seconds } of outcomes) console.log(`${code === 0 ? 'ok    ' : 'FAILED'} ${script} (${seconds}s)`)
if (outcomes.some((o) => o.code !== 0)) process.exitCode ||= 1

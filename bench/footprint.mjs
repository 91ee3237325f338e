#!/usr/bin/env node
/**
 * Footprint (issue 15, docs/operations.md "Sizing"): what one Patchbay process costs to start and to keep idle.
 *
 * The built server (`patchbay start --dev` as `npx patchbay` runs it: the committed command
 * packages/server/bin/patchbay.js executed as a program, with the runtime settings it starts Node with;
 * embedded SQLite database, a throw-away data folder, no config file) is started
 * BENCH_FOOTPRINT_STARTS times, with the Node that runs this script; for each start:
 * the wall time from spawn to the first 200 from /healthz (polled every 5 ms), the CPU the child
 * used until then (user + sys from /proc/<pid>/stat, read as soon as that 200 arrives), and its
 * resident memory (VmRSS from /proc/<pid>/status) at each of the BENCH_FOOTPRINT_IDLE points (seconds
 * idle after that 200). Two points by default: 5 s, soon after start, and 30 s, once V8's memory
 * reducer has collected what the start left behind (it waits for the process to go quiet, about 20 s
 * here): that second figure is what an idle process keeps.
 * Interleaved with those starts, in the same run, the same figures for three baselines: a bare Fastify
 * server with one route (bench/lib/hello-fastify.mjs) started plainly, the same server started
 * with the runtime settings Patchbay's process gets (the command's own line, or BENCH_NODE_ARGS): what
 * the runtime alone keeps under those settings, and, with the same settings, that server with an
 * embedded SQLite database and node:crypto in use (bench/lib/hello-stack.mjs): the floor any server on
 * Patchbay's stack stands on, so what Patchbay keeps above it is its own code and data. Medians are
 * printed, and the ratios to each baseline.
 *
 *   npm run build && node bench/footprint.mjs
 *
 * Settings (environment): BENCH_FOOTPRINT_STARTS (5), BENCH_FOOTPRINT_IDLE (s, comma-separated, 5,30),
 * BENCH_NODE_ARGS (node flags for the Patchbay process, space-separated: it is then started as
 * `node <flags> packages/server/bin/patchbay.js`, as the Docker image and the systemd unit start it, which
 * skips the command's own settings; `BENCH_NODE_ARGS=--` for none), BENCH_SERVER_CLI (another build's
 * packages/server/dist/cli.js instead of this checkout's command, started with node, e.g. to measure main),
 * BENCH_TIMEOUT (s, whole script, 600).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fail, freePort, guard, list, positive } from './lib/harness.mjs'

const env = process.env
const STARTS = positive(env.BENCH_FOOTPRINT_STARTS, 5)
const IDLE_POINTS = list(env.BENCH_FOOTPRINT_IDLE, ['5', '30'])
  .map((s) => positive(s))
  .sort((a, b) => a - b)
// Unset: the command is executed itself. Set (even to `--`): node runs it, with these flags.
const NODE_ARGS = env.BENCH_NODE_ARGS === undefined ? undefined : env.BENCH_NODE_ARGS.split(' ').filter((a) => a && a !== '--')
const { cleanups, cleanup, abort } = guard('footprint', positive(env.BENCH_TIMEOUT, 600))

const here = dirname(fileURLToPath(import.meta.url))
const patchbayBin = env.BENCH_SERVER_CLI ? resolve(env.BENCH_SERVER_CLI) : join(here, '../packages/server/bin/patchbay.js')
const hello = join(here, 'lib/hello-fastify.mjs')
const helloStack = join(here, 'lib/hello-stack.mjs')
const asCommand = NODE_ARGS === undefined && !env.BENCH_SERVER_CLI
// The command's second line starts Node with its settings (`node "$0" "$@"`): run with $0 = the hello
// server, it gives the baseline exactly those settings, read from the committed file.
const settingsLine = asCommand ? (readFileSync(patchbayBin, 'utf8').split('\n')[1] ?? '') : ''
if (asCommand && !settingsLine.includes('node "$0"')) fail(`${patchbayBin}: its second line no longer starts node "$0"`)
// How each kind of process is started: executed as a program (the command's own settings), or by node with NODE_ARGS.
const launches = asCommand
  ? {
      hello: [process.execPath, [hello]],
      helloSettings: ['/bin/sh', ['-c', settingsLine, hello]],
      stack: ['/bin/sh', ['-c', settingsLine, helloStack]],
      patchbay: [patchbayBin, ['start', '--dev']],
    }
  : {
      hello: [process.execPath, [hello]],
      helloSettings: [process.execPath, [...(NODE_ARGS ?? []), hello]],
      stack: [process.execPath, [...(NODE_ARGS ?? []), helloStack]],
      patchbay: [process.execPath, [...(NODE_ARGS ?? []), patchbayBin, 'start', '--dev']],
    }
const launch = asCommand
  ? 'the command (packages/server/bin/patchbay.js executed, as npx patchbay does)'
  : `node ${[...(NODE_ARGS ?? []), env.BENCH_SERVER_CLI ? 'BENCH_SERVER_CLI' : 'packages/server/bin/patchbay.js'].join(' ')}`
// Clock ticks per second for /proc/<pid>/stat: 100 on every Linux this runs on (USER_HZ).
const TICKS = 100

function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return +(Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) / 1024).toFixed(1)
}

async function once(kind) {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-footprint-'))
  const childEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('PATCHBAY_') && k !== 'DATABASE_URL'))
  // The command finds `node` on PATH, as its link in node_modules/.bin does: this script's Node comes first.
  const [command, args] = launches[kind]
  Object.assign(childEnv, {
    PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}`,
    PORT: String(port),
    PATCHBAY_HOST: '127.0.0.1',
    PATCHBAY_PORT: String(port),
    PATCHBAY_DATA_DIR: join(dir, 'data'),
    PATCHBAY_LOG_LEVEL: 'warn',
  })
  const began = performance.now()
  const child = spawn(command, args, { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] })
  let output = ''
  child.stderr.on('data', (c) => (output = (output + c).slice(-4000)))
  const exited = new Promise((done) => child.once('exit', done))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  cleanups.push(stop)
  const url = `http://127.0.0.1:${port}/healthz`
  let wallMs, cpu
  for (;;) {
    if (child.exitCode !== null) fail(`${kind} did not start:\n${output}`)
    try {
      const res = await fetch(url)
      if (res.status === 200) {
        cpu = cpuMs(child.pid)
        wallMs = performance.now() - began
        await res.arrayBuffer()
        break
      }
    } catch {}
    if (performance.now() - began > 30_000) fail(`${kind} did not answer /healthz within 30s:\n${output}`)
    await new Promise((done) => setTimeout(done, 5))
  }
  const idleFrom = performance.now()
  const rss = {}
  for (const point of IDLE_POINTS) {
    await new Promise((done) => setTimeout(done, Math.max(0, idleFrom + point * 1000 - performance.now())))
    if (child.exitCode !== null) fail(`${kind} exited while idle:\n${output}`)
    rss[point] = rssMiB(child.pid)
  }
  await stop()
  cleanups.splice(cleanups.indexOf(stop), 1)
  return { wallMs: Math.round(wallMs), cpuMs: Math.round(cpu), rssMiB: rss }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
// Rounded as measured: whole milliseconds, tenths of a MiB (a median of two is their mean).
const round = (x, digits) => Number(x.toFixed(digits))

try {
  const samples = { patchbay: [], hello: [], helloSettings: [], stack: [] }
  // Warm the file cache for each server's files before anything is measured.
  for (const kind of ['hello', 'stack', 'patchbay']) await once(kind)
  for (let i = 0; i < STARTS; i++) {
    for (const kind of ['hello', 'helloSettings', 'stack', 'patchbay']) samples[kind].push(await once(kind))
  }
  const summary = Object.fromEntries(
    Object.entries(samples).map(([kind, runs]) => [
      kind,
      {
        wallMs: round(median(runs.map((r) => r.wallMs)), 0),
        cpuMs: round(median(runs.map((r) => r.cpuMs)), 0),
        rssMiB: Object.fromEntries(IDLE_POINTS.map((p) => [p, round(median(runs.map((r) => r.rssMiB[p])), 1)])),
      },
    ]),
  )
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`
  console.log(`\nFootprint: medians of ${STARTS} starts each, interleaved, Node ${process.version}, Patchbay started as ${launch}\n`)
  const rssHeads = IDLE_POINTS.map((p) => `RSS ${p} s idle`)
  const row = (name, cells) => console.log(`| ${name} | ${cells.join(' | ')} |`)
  row('process', ['wall to first /healthz', 'CPU to first /healthz', ...rssHeads])
  row('---', ['---:', '---:', ...rssHeads.map(() => '---:')])
  for (const [name, kind] of [
    ['Fastify hello (baseline)', 'hello'],
    ["Fastify hello, Patchbay's settings (baseline)", 'helloSettings'],
    ["Fastify hello with SQLite and crypto, Patchbay's settings (the stack's floor)", 'stack'],
    ['Patchbay, embedded SQLite', 'patchbay'],
  ]) {
    const s = summary[kind]
    row(name, [`${s.wallMs} ms`, `${s.cpuMs} ms`, ...IDLE_POINTS.map((p) => `${s.rssMiB[p]} MiB`)])
  }
  const p = summary.patchbay
  for (const [name, h] of [
    ['ratio', summary.hello],
    ['ratio, same settings', summary.helloSettings],
    ["ratio to the stack's floor", summary.stack],
  ]) {
    row(name, [ratio(p.wallMs, h.wallMs), ratio(p.cpuMs, h.cpuMs), ...IDLE_POINTS.map((i) => ratio(p.rssMiB[i], h.rssMiB[i]))])
  }
  console.log(
    JSON.stringify({
      bench: 'footprint',
      starts: STARTS,
      idleSeconds: IDLE_POINTS,
      node: process.version,
      launch,
      summary,
      samples,
    }),
  )
  await cleanup()
} catch (err) {
  abort(err.stack ?? String(err))
}

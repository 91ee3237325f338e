#!/usr/bin/env node
/**
 * The proxy benchmark's helper servers, each run as its own child process (own event loop) by
 * bench/proxy.mjs, on 127.0.0.1, port chosen by the OS; each prints `READY <port>` once listening and
 * stops on SIGTERM or when its parent goes away.
 *
 *   node bench/lib/proxy-servers.mjs upstream <api-key>   # the "app": small JSON, 401 unless Bearer <api-key>
 *   node bench/lib/proxy-servers.mjs bare <upstream-url>  # bare pass-through proxy: node:http + undici Pool
 *   node bench/lib/proxy-servers.mjs bare-pipeline <url>  # the same, written the usual way: stream.pipeline()
 *   node bench/lib/proxy-servers.mjs bare-dispatch <url>  # the same through undici's dispatch API, as Patchbay does
 *   node bench/lib/proxy-servers.mjs hello                # Fastify route returning a constant
 */
import { createServer } from 'node:http'

const [mode, arg] = process.argv.slice(2)

function ready(server) {
  server.keepAliveTimeout = 65_000
  server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${server.address().port}\n`))
  const stop = () => server.close(() => process.exit(0))
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  // The parent's end of stdin closes when it exits, even on SIGKILL: never outlive it.
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
}

if (mode === 'upstream') {
  const expected = `Bearer ${arg}`
  const body = JSON.stringify({ id: 'item_123', object: 'item', name: 'Benchmark item', amount: 4200, currency: 'eur', active: true })
  const ok = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
  const denied = '{"error":"unauthorized"}'
  ready(
    createServer((req, res) => {
      // Same work for every caller: the credentials must be there (the proxy injects them).
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'content-type': 'application/json', 'content-length': denied.length }).end(denied)
        return
      }
      res.writeHead(200, ok).end(body)
    }),
  )
} else if (mode === 'bare' || mode === 'bare-pipeline') {
  const { pipeline } = await import('node:stream')
  const { Pool } = await import('undici')
  const upstream = new URL(arg)
  const pool = new Pool(upstream.origin, { connections: 128, keepAliveTimeout: 10_000 })
  const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'host'])
  ready(
    createServer(async (req, res) => {
      const headers = {}
      for (const name in req.headers) if (!hopByHop.has(name)) headers[name] = req.headers[name]
      try {
        const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
        const up = await pool.request({ path: req.url, method: req.method, headers, body: hasBody ? req : null })
        const out = {}
        for (const name in up.headers) if (!hopByHop.has(name)) out[name] = up.headers[name]
        res.writeHead(up.statusCode, out)
        if (mode === 'bare-pipeline') {
          pipeline(up.body, res, () => {})
          return
        }
        // pipe() with explicit cleanup, not pipeline(): pipeline's per-call AbortController costs a
        // DOMException per response, and the baseline should be the cheapest way to do the work.
        up.body.on('error', () => res.destroy())
        res.on('close', () => {
          if (!up.body.readableEnded) up.body.destroy()
        })
        up.body.pipe(res)
      } catch {
        res.writeHead(502).end()
      }
    }),
  )
} else if (mode === 'bare-dispatch') {
  // Patchbay's own technique without Patchbay: the body goes from undici's handler callbacks straight
  // to the response (no Readable, no pipe), pausing the upstream socket while the caller is slow.
  const { Pool } = await import('undici')
  const upstream = new URL(arg)
  const pool = new Pool(upstream.origin, { connections: 128, keepAliveTimeout: 10_000 })
  const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'host'])
  ready(
    createServer((req, res) => {
      const headers = {}
      for (const name in req.headers) if (!hopByHop.has(name)) headers[name] = req.headers[name]
      const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
      let upstreamController
      res.on('drain', () => upstreamController?.resume())
      pool.dispatch(
        { path: req.url, method: req.method, headers, body: hasBody ? req : null },
        {
          onRequestStart(controller) {
            upstreamController = controller
          },
          onResponseStart(_controller, statusCode, upHeaders) {
            if (statusCode < 200) return
            const out = {}
            for (const name in upHeaders) if (!hopByHop.has(name)) out[name] = upHeaders[name]
            res.writeHead(statusCode, out)
          },
          onResponseData(controller, chunk) {
            if (!res.write(chunk)) controller.pause()
          },
          onResponseEnd() {
            res.end()
          },
          onResponseError() {
            if (res.headersSent) res.destroy()
            else res.writeHead(502).end()
          },
        },
      )
    }),
  )
} else if (mode === 'hello') {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  app.get('/hello', async () => ({ hello: 'world' }))
  await app.ready()
  ready(app.server)
} else {
  console.error(`proxy-servers: unknown mode ${mode}`)
  process.exit(2)
}

import type { IncomingHttpHeaders } from 'node:http'
import { Writable } from 'node:stream'
import type { Dispatcher } from 'undici'

/** What may arrive before the proxy has decided what to do with an answer (a 401 is usually tiny). */
const HOLD_BYTES = 64 * 1024

export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError'
}

/**
 * One upstream answer, received through undici's dispatch API rather than `request()`: its body is
 * written straight to the caller's response as it arrives (with back-pressure) instead of going
 * through a Readable stream and `pipe()`, which cost ~10 µs per proxied call in the stream machinery.
 *
 * `head` resolves with the status and headers. The body chunks that arrive before the proxy decides
 * (a small body comes in the same packet as the head) are held, up to {@link HOLD_BYTES} before the
 * socket is paused; then either {@link pipeTo} sends everything to the caller or {@link discard}
 * drops it.
 */
export class UpstreamAnswer implements Dispatcher.DispatchHandler {
  statusCode = 0
  headers: IncomingHttpHeaders = {}
  readonly head: Promise<UpstreamAnswer>
  private resolveHead!: (answer: UpstreamAnswer) => void
  private rejectHead!: (err: Error) => void
  private headed = false
  private controller: Dispatcher.DispatchController | undefined
  private held: Buffer[] | undefined = []
  private heldBytes = 0
  private ended = false
  private failure: Error | undefined
  private out: Writable | undefined
  private dropped = false
  private sent = 0
  private maxBytes = Number.POSITIVE_INFINITY
  private canceled: Error | undefined

  constructor() {
    this.head = new Promise<UpstreamAnswer>((resolve, reject) => {
      this.resolveHead = resolve
      this.rejectHead = reject
    })
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.canceled) controller.abort(this.canceled)
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx informational answers (103 Early Hints) are not passed on; the final one follows.
    if (statusCode < 200) return
    this.statusCode = statusCode
    this.headers = headers
    this.headed = true
    this.resolveHead(this)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.out) {
      this.send(chunk)
    } else if (this.held) {
      this.held.push(chunk)
      this.heldBytes += chunk.length
      if (this.heldBytes >= HOLD_BYTES) controller.pause()
    }
  }

  onResponseEnd(): void {
    this.ended = true
    this.out?.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (!this.headed) {
      this.rejectHead(err)
      return
    }
    this.failure = err
    this.out?.destroy()
  }

  /**
   * Sends the body to `out` (whose head the caller has written), cutting it off past `maxBytes`.
   * A caller that goes away mid-body aborts the upstream request.
   */
  pipeTo(out: Writable, maxBytes: number = Number.POSITIVE_INFINITY): void {
    this.maxBytes = maxBytes
    const held = this.held ?? []
    this.held = undefined
    this.out = out
    for (const chunk of held) this.send(chunk)
    if (this.failure) {
      out.destroy()
      return
    }
    if (this.ended) {
      out.end()
      return
    }
    out.on('drain', () => this.controller?.resume())
    out.on('close', () => {
      if (!this.ended) this.abort(new Error('the caller went away'))
    })
    this.controller?.resume()
  }

  /**
   * The whole body in memory, up to `maxBytes` (an action reads its answer as JSON, see
   * actions/action-http.ts); rejects past the cap or when the exchange fails.
   */
  collect(maxBytes: number): Promise<Buffer> {
    const chunks: Buffer[] = []
    return new Promise<Buffer>((resolve, reject) => {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk)
          done()
        },
      })
      sink.on('finish', () => resolve(Buffer.concat(chunks)))
      sink.on('close', () => {
        if (!sink.writableFinished) reject(this.failure ?? new ResponseTooLargeError(`the response exceeds the ${maxBytes} byte cap`))
      })
      this.pipeTo(sink, maxBytes)
    })
  }

  /** Stops the exchange (a canceled or timed-out run): a pending `head` rejects with `reason`. */
  cancel(reason: Error): void {
    this.held = undefined
    this.canceled = reason
    this.abort(reason)
  }

  /** Drops the body: what was held, and the rest of the exchange unless it is already over. */
  discard(): void {
    this.held = undefined
    if (!this.ended && !this.failure) this.abort(new Error('answer discarded'))
  }

  private send(chunk: Buffer): void {
    const out = this.out as Writable
    if (this.dropped) return
    this.sent += chunk.length
    if (this.sent > this.maxBytes) {
      this.dropped = true
      this.abort(new ResponseTooLargeError(`the response exceeds the proxy's ${this.maxBytes} byte cap`))
      out.destroy()
      return
    }
    if (!out.write(chunk)) this.controller?.pause()
  }

  private abort(reason: Error): void {
    if (this.controller && !this.controller.aborted) this.controller.abort(reason)
  }
}

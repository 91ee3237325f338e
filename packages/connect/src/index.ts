/**
 * @patchbay/connect: opens Patchbay's hosted Connect UI in a centered popup (desktop, landscape tablets) or a
 * full-page redirect (phones, portrait tablets) and reports the new connection. Zero dependencies.
 *
 * Security: a result message is accepted only from Patchbay's exact origin, from this widget's own popup, with the
 * `patchbay:connect` type and the nonce this widget generated for the flow. When the popup closes (or loses its
 * opener to a Cross-Origin-Opener-Policy) without a message, the widget asks Patchbay for the session's outcome
 * once, reports an exit unless the flow finished, and keeps watching: a success that still comes arrives flagged
 * `after_exit` (see the README, "Closed popup, COOP").
 */

/** The connected account, as Patchbay reports it (ids only, never a credential). */
export interface Connection {
  connection_id: string
  app: string
  /** `reauth` when a reconnect kept the id of an existing connection. */
  operation: 'creation' | 'reauth'
  /** Email, workspace name…; absent after a redirect. */
  account_identifier?: string | null
  /** The session's custom state, when it has one. */
  state?: string
  /** The connect session's id; absent after a redirect. */
  session_id?: string
  /** The flow finished after `onExit` fired (a popup cut off by Cross-Origin-Opener-Policy reads as closed). */
  after_exit?: true
}

/** Every failure: an `Error` with a stable `code` (see the README) and the server's `description` when it gave one. */
export interface PatchbayConnectError extends Error {
  code: string
  description?: string
}

export type EventName = 'open' | 'popup_opened' | 'popup_blocked' | 'popup_closed' | 'redirect' | 'success' | 'error' | 'exit'

export interface EventMetadata {
  /** The app key asked for (or learnt from the result), null for the picker. */
  app: string | null
  mode: 'popup' | 'redirect'
  /** Known once Patchbay reported the outcome (success, error). */
  session_id?: string
  /** On `error` events. */
  error_code?: string
  /** On a `success` that came after `exit`. */
  after_exit?: true
}

export interface Callbacks {
  onSuccess?: (connection: Connection) => void
  onError?: (error: PatchbayConnectError) => void
  /**
   * The popup reads closed and Patchbay has no outcome yet: closed by the user, or cut off by a provider's COOP.
   * The widget keeps watching; if the flow still completes, `onSuccess` follows with `after_exit: true`.
   */
  onExit?: () => void
  onEvent?: (name: EventName, metadata: EventMetadata) => void
}

/** The session code, or a promise of it, or a function returning either (called once, inside `open`). */
export type TokenSource = string | PromiseLike<string> | (() => string | PromiseLike<string>)

export interface FlowOptions {
  /** A fresh connect session code minted by the partner's backend (single use, short-lived). */
  token: TokenSource
  /** Open this app directly; without it the session's picker opens. */
  app?: string
  /** Re-authorize this connection (keeps its id; operation `reauth`). */
  reconnectId?: string
  /** A theme configured for the partner (or `light`, `dark`, `auto`). */
  theme?: string
  /** `auto` (default): redirect on phones and portrait tablets when `redirectUri` is set, popup otherwise. */
  mode?: 'auto' | 'popup' | 'redirect'
  /** Registered return URL for redirect flows: the page that calls `handleRedirect()`. */
  redirectUri?: string
  /** When the popup is blocked and `redirectUri` is set, continue with a redirect instead of failing. */
  fallbackToRedirect?: boolean
}

export interface OpenOptions extends FlowOptions, Callbacks {}

export interface ConnectOptions extends FlowOptions {
  onEvent?: Callbacks['onEvent']
}

export interface Handle {
  /** Closes the popup and stops the flow; no callback fires afterwards. */
  close(): void
}

export interface PatchbayConnectInstance {
  /** Call synchronously inside the click handler: the popup opens at once, and follows the token when it arrives. */
  open(options: OpenOptions): Handle
  /** Promise form of `open`: resolves with the connection, `null` on exit, rejects with a `PatchbayConnectError`. */
  connect(options: ConnectOptions): Promise<Connection | null>
  handleRedirect: typeof handleRedirect
}

interface Message {
  type?: string
  status: string
  nonce?: string
  session_id?: string
  app?: string
  error?: string
  error_description?: string
  /** Local failures only: the message without a server description. */
  message?: string
  in_progress?: boolean
  [k: string]: unknown
}

const TYPE = 'patchbay:connect'
const KEYS = 'connection_id app operation state error error_description'.split(' ')
/** Codes this page already opened: a code works once, so a second use is reported at once. */
const used = new Set<string>()

const fail = (code: string, message: string, description?: string): PatchbayConnectError =>
  Object.assign(Error(message), { code, description })

/** Reports a final outcome (postMessage, outcome endpoint or redirect query) to the callbacks. */
const settle = (c: Callbacks, meta: EventMetadata, d: Message) => {
  if (d.app) meta.app = d.app
  if (d.session_id) meta.session_id = d.session_id
  if (d.status === 'success') {
    const { type, status, nonce, ...connection } = d
    c.onEvent?.('success', meta)
    c.onSuccess?.(connection as unknown as Connection)
  } else {
    const e = fail(d.error || 'unknown_error', d.message || d.error_description || d.error || 'Connection failed', d.error_description)
    c.onEvent?.('error', { ...meta, error_code: e.code })
    c.onError?.(e)
  }
}

/**
 * On the `redirectUri` page: reads a redirect flow's outcome from the query, removes it from the address bar
 * (history.replaceState) and fires the callbacks. Returns false when the URL carries no outcome.
 */
export const handleRedirect = (c: Callbacks = {}): boolean => {
  const u = new URL(location.href)
  const p = u.searchParams
  const id = p.get('connection_id')
  if (!id && !p.has('error')) return false
  const d: Message = { status: id ? 'success' : 'error' }
  for (const k of KEYS) {
    const v = p.get(k)
    if (v !== null) d[k] = v
    p.delete(k)
  }
  history.replaceState(history.state, '', u)
  settle(c, { app: null, mode: 'redirect' }, d)
  return true
}

/** A widget bound to one Patchbay server (`baseUrl`, e.g. `https://connect.example.com`). */
export const create = ({ baseUrl }: { baseUrl: string }): PatchbayConnectInstance => {
  const base = baseUrl.replace(/\/+$/, '')
  const origin = new URL(base).origin
  let current: Handle | undefined
  const ask = (token: string): Promise<Message> =>
    fetch(`${base}/connect/outcome`, { method: 'POST', body: new URLSearchParams({ token }) }).then((r) => r.json())

  const open = (o: OpenOptions): Handle => {
    current?.close()
    const red = o.redirectUri
    let mode: EventMetadata['mode'] =
      o.mode === 'popup' || o.mode === 'redirect'
        ? o.mode
        : red && matchMedia('(max-width:480px),(pointer:coarse) and (orientation:portrait)').matches
          ? 'redirect'
          : 'popup'
    if (mode === 'redirect' && !red) throw TypeError('redirectUri is required for a redirect')
    const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b | 256).toString(16).slice(1)).join('')
    const meta: EventMetadata = { app: o.app ?? null, mode }
    const ev = (name: EventName) => o.onEvent?.(name, { ...meta })
    let w: Window | null = null
    let token: string | undefined
    let done = false
    // onExit fired: the session is still watched, and only a success is reported after it.
    let gone = false
    let closed = false
    let failures = 0

    const end = () => {
      done = true
      removeEventListener('message', onMessage)
      w?.close()
    }
    const result = (d: Message) => {
      if (done) return
      end()
      if (gone) {
        if (d.status !== 'success') return
        meta.after_exit = d.after_exit = true
      }
      settle(o, meta, d)
    }
    const error = (code: string, message: string) => result({ status: 'error', error: code, message })
    const exit = () => {
      if (done || gone) return
      gone = true
      ev('exit')
      o.onExit?.()
    }
    const onMessage = (e: MessageEvent) => {
      const d = e.data
      if (e.origin === origin && e.source === w && d?.type === TYPE && d.nonce === nonce) result(d)
    }
    // Popup watch: once it reads closed (closed by the user, or cut off by COOP: the widget cannot tell), ask
    // Patchbay once, then report the exit at once unless there is an outcome. While a provider authorization is
    // under way (it may finish in a severed popup), keep asking, less and less often (up to every 4 s).
    const tick = (ms = 500): unknown =>
      setTimeout(() => {
        if (done) return
        if (!w!.closed) return tick()
        if (!token) return (exit(), end())
        if (!closed) {
          closed = true
          ev('popup_closed')
        }
        const next = () => tick(Math.min(ms * 1.5, 4000))
        ask(token).then(
          (d) => {
            failures = 0
            if (d.type === TYPE) return result(d)
            exit()
            d.in_progress ? next() : end()
          },
          () => (exit(), ++failures < 5 ? next() : end()),
        )
      }, ms)
    const url = (t: string) => {
      const q = new URLSearchParams({ token: t, nonce })
      for (const [k, v] of [
        ['reconnect_id', o.reconnectId],
        ['theme', o.theme],
        ['redirect_uri', mode === 'redirect' && red],
      ])
        if (v) q.set(k as string, v)
      return `${base}/${o.app ? `to/${encodeURIComponent(o.app)}` : 'connect'}?${q}`
    }

    ev('open')
    if (mode === 'popup') {
      w = window.open(
        '',
        '_blank',
        `width=500,height=700,left=${screenX + (outerWidth - 500) / 2},top=${screenY + (outerHeight - 700) / 2}`,
      )
      if (!w || w.closed) {
        w = null
        if (!(o.fallbackToRedirect && red)) {
          error('popup_blocked', 'The browser blocked the popup: call open() inside the click handler')
          return { close: end }
        }
        ev('popup_blocked')
        meta.mode = mode = 'redirect'
      } else {
        // Built with the DOM, not markup: the blank page inherits the partner page's CSP, which may forbid inline
        // style attributes (style-src) and markup sinks (Trusted Types); CSSOM writes are allowed by both.
        try {
          const d = w.document
          d.title = 'Loading…'
          d.body.style.cssText = 'font:16px system-ui;text-align:center;margin-top:40vh'
          d.body.append('Loading…')
        } catch {}
        ev('popup_opened')
        addEventListener('message', onMessage)
        tick()
      }
    }
    new Promise<string>((r) => r(typeof o.token === 'function' ? o.token() : o.token)).then(
      async (t) => {
        // Before navigating: an unknown, expired or used code ends here as invalid_token instead of an error page.
        const d = used.has(t) ? 0 : await ask(t).catch(() => null)
        if (done) return
        if (d === 0 || (d ? d.status !== 'pending' || d.in_progress : mode === 'popup')) {
          return error('invalid_token', 'The session token is unknown, expired or already used')
        }
        used.add(t)
        token = t
        if (mode === 'redirect') {
          end()
          ev('redirect')
          location.assign(url(t))
        } else if (!w!.closed) w!.location.replace(url(t))
      },
      (e) => error('token_error', String(e?.message ?? e)),
    )
    current = { close: () => done || end() }
    return current
  }

  return {
    open,
    connect: (o) => new Promise((onSuccess, onError) => open({ ...o, onSuccess, onError, onExit: () => onSuccess(null) })),
    handleRedirect,
  }
}

/** One-shot promise form: `await connect({ baseUrl, token, app })`. */
export const connect = (o: ConnectOptions & { baseUrl: string }): Promise<Connection | null> => create(o).connect(o)

export const PatchbayConnect = { create, connect, handleRedirect }
export default PatchbayConnect

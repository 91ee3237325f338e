/**
 * @patchbay/react: a thin React binding over @patchbay/connect. `usePatchbayConnect` keeps the flow's status in
 * state and hands `open` to a click handler; `<PatchbayConnectButton>` is that hook behind a button.
 */
import {
  type Callbacks,
  type Connection,
  create,
  type FlowOptions,
  type Handle,
  handleRedirect,
  type PatchbayConnectError,
} from '@patchbay/connect'
import { type ButtonHTMLAttributes, type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react'

export type { Connection, EventMetadata, EventName, PatchbayConnectError } from '@patchbay/connect'

export type ConnectStatus = 'idle' | 'open' | 'success' | 'error' | 'exit'

export interface UsePatchbayConnectOptions extends Omit<FlowOptions, 'token'>, Callbacks {
  /** The Patchbay server, e.g. `https://connect.example.com`. */
  baseUrl: string
  /**
   * Called by `open()` inside the click: returns a fresh connect session code, or a promise of it (fetch it from
   * your backend). The popup opens at once and follows the code when it arrives.
   */
  getToken: () => string | PromiseLike<string>
  /** On mount, report a redirect flow's outcome found in the URL (and remove it from the URL). Default true. */
  handleRedirect?: boolean
}

export interface UsePatchbayConnect {
  /** Starts a flow; call it from a click handler. */
  open: () => void
  /** Stops the current flow and closes its popup. */
  close: () => void
  status: ConnectStatus
  error: PatchbayConnectError | null
  connection: Connection | null
}

interface State {
  status: ConnectStatus
  error: PatchbayConnectError | null
  connection: Connection | null
}

export function usePatchbayConnect(options: UsePatchbayConnectOptions): UsePatchbayConnect {
  const [state, setState] = useState<State>({ status: 'idle', error: null, connection: null })
  const latest = useRef(options)
  latest.current = options
  const handle = useRef<Handle | null>(null)
  const widget = useMemo(() => create({ baseUrl: options.baseUrl }), [options.baseUrl])
  const callbacks = useMemo<Required<Callbacks>>(
    () => ({
      onSuccess: (connection) => {
        setState({ status: 'success', error: null, connection })
        latest.current.onSuccess?.(connection)
      },
      onError: (error) => {
        setState({ status: 'error', error, connection: null })
        latest.current.onError?.(error)
      },
      onExit: () => {
        setState({ status: 'exit', error: null, connection: null })
        latest.current.onExit?.()
      },
      onEvent: (name, metadata) => latest.current.onEvent?.(name, metadata),
    }),
    [],
  )

  useEffect(() => {
    if (latest.current.handleRedirect !== false) handleRedirect(callbacks)
  }, [callbacks])
  useEffect(() => () => handle.current?.close(), [])

  const open = useCallback(() => {
    const { app, reconnectId, theme, mode, redirectUri, fallbackToRedirect, getToken } = latest.current
    setState({ status: 'open', error: null, connection: null })
    handle.current = widget.open({ token: getToken, app, reconnectId, theme, mode, redirectUri, fallbackToRedirect, ...callbacks })
  }, [widget, callbacks])
  const close = useCallback(() => {
    handle.current?.close()
    setState((s) => (s.status === 'open' ? { ...s, status: 'idle' } : s))
  }, [])

  return { open, close, ...state }
}

export interface PatchbayConnectButtonProps
  extends UsePatchbayConnectOptions, Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'onError' | 'type'> {
  children?: ReactNode
}

/** A `<button>` that opens the widget; `data-status` carries the flow's status for styling. */
export function PatchbayConnectButton(props: PatchbayConnectButtonProps) {
  const {
    baseUrl,
    getToken,
    app,
    reconnectId,
    theme,
    mode,
    redirectUri,
    fallbackToRedirect,
    handleRedirect,
    onSuccess,
    onError,
    onExit,
    onEvent,
    children,
    ...button
  } = props
  const { open, status } = usePatchbayConnect({
    baseUrl,
    getToken,
    app,
    reconnectId,
    theme,
    mode,
    redirectUri,
    fallbackToRedirect,
    handleRedirect,
    onSuccess,
    onError,
    onExit,
    onEvent,
  })
  return (
    <button type="button" {...button} onClick={open} data-status={status} aria-busy={status === 'open'}>
      {children ?? 'Connect'}
    </button>
  )
}

import { type Connection, PatchbayConnectButton, type PatchbayConnectError } from '@patchbay/react'
import { useState } from 'react'
import { createRoot } from 'react-dom/client'

const meta = (name: string, fallback: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content || fallback
const PATCHBAY_URL = meta('patchbay-url', 'http://localhost:3000')
const SESSION_ENDPOINT = meta('session-endpoint', '/api/connect-session')

/** Asks the partner backend for a fresh connect session code; the widget opens its popup before this resolves. */
const getToken = () =>
  fetch(SESSION_ENDPOINT, { method: 'POST' })
    .then((r) => r.json())
    .then((body: { token: string }) => body.token)

function App() {
  const [app, setApp] = useState('')
  const [connection, setConnection] = useState<Connection | null>(null)
  const [error, setError] = useState<PatchbayConnectError | null>(null)
  return (
    <main style={{ font: '16px system-ui, sans-serif', maxWidth: '36rem', margin: '3rem auto', padding: '0 1rem' }}>
      <h1>Connect an account</h1>
      <label>
        App key <input id="app" value={app} onChange={(e) => setApp(e.target.value.trim())} placeholder="empty: let the user choose" />
      </label>{' '}
      <PatchbayConnectButton
        id="connect"
        baseUrl={PATCHBAY_URL}
        getToken={getToken}
        app={app || undefined}
        redirectUri={location.origin + location.pathname}
        onSuccess={(c) => {
          setConnection(c)
          setError(null)
        }}
        onError={setError}
      >
        Connect
      </PatchbayConnectButton>
      {connection && <pre id="result">{JSON.stringify(connection, null, 2)}</pre>}
      {error && (
        <p id="error" role="alert">
          {error.code}: {error.message}
        </p>
      )}
    </main>
  )
}

createRoot(document.getElementById('root') as HTMLElement).render(<App />)

// The partner page's script: "Connect" buttons that open Patchbay's Connect UI in a popup and show the result.
//
// The Patchbay widget (loaded from Patchbay's /connect.js) opens the popup synchronously in the click, follows the
// session token when our backend returns it, accepts the result only from Patchbay's origin, its own popup and its
// nonce, and asks Patchbay for the outcome when the popup closes without a message.

const patchbayUrl = document.querySelector('meta[name="patchbay-url"]').content
const resultBox = document.getElementById('result')
const resultJson = document.getElementById('result-json')
const themeSelect = document.getElementById('theme')
const patchbay = window.PatchbayConnect.create({ baseUrl: patchbayUrl })

/** Our own backend mints the connect session (it signs a JWT for the signed-in user; secrets stay server-side). */
async function fetchToken(apps) {
  const res = await fetch('/api/connect-session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apps }),
  })
  const body = await res.json()
  if (!res.ok) throw new Error(body.error_description ?? body.error ?? `HTTP ${res.status}`)
  return body.token
}

function openConnect({ app, apps, theme, onResult }) {
  patchbay.open({
    token: () => fetchToken(app ? [app] : apps),
    ...(app ? { app } : {}),
    ...(theme ? { theme } : {}),
    mode: 'popup',
    onSuccess: (connection) => onResult({ type: 'patchbay:connect', status: 'success', ...connection }),
    onError: (error) => onResult({ status: 'error', app, error: error.code, error_description: error.description ?? error.message }),
    onExit: () => onResult({ status: 'exit', error: 'closed', error_description: 'The window was closed.' }),
  })
}

function showResult(outcome) {
  resultBox.dataset.status = outcome.status
  if (outcome.status === 'success') {
    const who = outcome.account_identifier ? ` as ${outcome.account_identifier}` : ''
    const verb = outcome.operation === 'reauth' ? 'Reconnected' : 'Connected'
    resultBox.textContent = `${verb} ${outcome.app}${who} (connection ${outcome.connection_id}).`
  } else if (outcome.status === 'exit') {
    resultBox.textContent = `Closed without connecting${outcome.error_description ? `: ${outcome.error_description}` : '.'}`
  } else {
    resultBox.textContent = `Not connected: ${outcome.error_description ?? outcome.error}`
  }
  resultJson.textContent = JSON.stringify(outcome, null, 2)
  resultJson.hidden = false
}

for (const button of document.querySelectorAll('button[data-app], button[data-apps]')) {
  button.addEventListener('click', () => {
    resultBox.dataset.status = 'pending'
    resultBox.textContent = 'Connecting in the popup…'
    openConnect({
      app: button.dataset.app,
      apps: button.dataset.apps?.split(' '),
      theme: themeSelect.value === 'auto' ? '' : themeSelect.value,
      onResult: showResult,
    })
  })
}

// Redirect mode takes the theme along too.
const redirectLink = document.getElementById('redirect-acme-cloud')
themeSelect.addEventListener('change', () => {
  const url = new URL(redirectLink.href)
  if (themeSelect.value === 'auto') url.searchParams.delete('theme')
  else url.searchParams.set('theme', themeSelect.value)
  redirectLink.href = url.href
})

// The action form: our backend asks Patchbay for the monitor field's choices, then creates a run and waits for it.
const runResult = document.getElementById('run-result')
const runJson = document.getElementById('run-json')
const form = document.getElementById('incident-form')
const monitorSelect = document.getElementById('monitor')

document.getElementById('load-monitors').addEventListener('click', async () => {
  runResult.dataset.status = 'pending'
  runResult.textContent = 'Loading the monitors of your Acme Status account…'
  const res = await fetch('/api/acme-status')
  const body = await res.json()
  if (!res.ok) {
    runResult.dataset.status = 'error'
    runResult.textContent = body.error_description ?? body.error
    return
  }
  monitorSelect.replaceChildren(...body.monitors.map((o) => new Option(o.label, o.value)))
  form.hidden = false
  runResult.dataset.status = 'idle'
  runResult.textContent = `${body.monitors.length} monitors in ${body.account}'s account.`
})

form.addEventListener('submit', async (event) => {
  event.preventDefault()
  runResult.dataset.status = 'pending'
  runResult.textContent = 'Running acme-status.create_incident…'
  const res = await fetch('/api/incidents', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      monitor: monitorSelect.value,
      title: document.getElementById('incident-title').value,
      key: crypto.randomUUID(),
    }),
  })
  const run = await res.json()
  runResult.dataset.status = res.ok && run.status === 'succeeded' ? 'success' : 'error'
  runResult.textContent = res.ok
    ? run.status === 'succeeded'
      ? `Run ${run.id} succeeded: incident ${run.output.id} is ${run.output.status}.`
      : `Run ${run.id} ended ${run.status}: ${run.error?.message ?? ''}`
    : (run.error_description ?? run.error)
  runJson.textContent = JSON.stringify(run, null, 2)
  runJson.hidden = false
})

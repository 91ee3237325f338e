/**
 * The quick start stays true: `node examples/demo/start.mjs` (what `npm start` runs after the build) starts the
 * partner app, Patchbay and the local OAuth server, and a newcomer who clicks "Connect Acme Cloud", signs in and
 * allows sees the success on the partner page. The demo runs as a child process on free ports in a temp data dir.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import {
  consentAtProvider,
  describeBrowser,
  type LaunchedBrowser,
  launchBrowser,
  signInAtProvider,
} from '../../packages/server/test/helpers/browser.js'

const START = fileURLToPath(new URL('./start.mjs', import.meta.url))

interface RunningDemo {
  child: ChildProcess
  partner: string
  patchbay: string
  oauth: string
  output(): string
  exited: Promise<number | null>
}

/** Starts start.mjs with `env` and waits for its banner (or its exit). */
function startDemoProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<RunningDemo> {
  const child = spawn(process.execPath, [START], {
    env: { ...process.env, PATCHBAY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the demo did not start within ${timeoutMs} ms:\n${out}`))
    }, timeoutMs)
    const check = () => {
      const url = (label: string) => new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(out)?.[1]
      const partner = url('Demo CRM \\(the partner app\\)')
      const patchbay = url('Patchbay \\(Connect UI and API\\)')
      const oauth = url('Acme Cloud \\(local OAuth server\\)')
      if (partner && patchbay && oauth && out.includes('Press Ctrl-C')) {
        clearTimeout(timer)
        child.stdout?.off('data', check)
        resolve({ child, partner, patchbay, oauth, output: () => out, exited })
      }
    }
    child.stdout?.on('data', check)
    exited.then((code) => {
      clearTimeout(timer)
      reject(Object.assign(new Error(`the demo exited with code ${code}:\n${out}`), { code, output: out }))
    })
  })
}

async function clickConnect(page: Page, selector: string): Promise<Page> {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click(selector)])
  return popup
}

async function resultOf(page: Page): Promise<{ status: string; text: string; json: Record<string, unknown> }> {
  await page.waitForSelector('#result:not([data-status="idle"]):not([data-status="pending"])', { timeout: 20_000 })
  return page.evaluate(() => {
    const box = document.getElementById('result') as HTMLElement
    return {
      status: box.dataset.status ?? '',
      text: box.textContent ?? '',
      json: JSON.parse(document.getElementById('result-json')?.textContent || '{}'),
    }
  })
}

describeBrowser('npm start demo', () => {
  let dataDir: string
  let demo: RunningDemo
  let browser: LaunchedBrowser | undefined

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'patchbay-demo-'))
    demo = await startDemoProcess({
      PATCHBAY_PORT: '0',
      DEMO_PARTNER_PORT: '0',
      DEMO_OAUTH_PORT: '0',
      PATCHBAY_DATA_DIR: dataDir,
    })
  })
  afterEach(async () => {
    await browser?.close()
    browser = undefined
  })
  afterAll(async () => {
    if (demo?.child.exitCode === null) {
      demo.child.kill('SIGKILL')
      await demo.exited
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('prints one banner with the URLs, and keeps the partner key in the data dir', async () => {
    expect(demo.output()).toContain(`Open ${demo.partner} and click "Connect Acme Cloud"`)
    expect(statSync(join(dataDir, 'demo-partner-key.json')).mode & 0o077).toBe(0)
    expect((await fetch(`${demo.patchbay}/readyz`)).status).toBe(200)
  })

  it('connects Acme Cloud: popup, sign in, allow, success on the partner page', async () => {
    browser = await launchBrowser()
    const { page } = browser
    await page.goto(demo.partner)
    const popup = await clickConnect(page, '#connect-acme-cloud')
    await signInAtProvider(popup, 'alice')
    await consentAtProvider(popup, 'allow')
    const result = await resultOf(page)
    expect(result.status).toBe('success')
    expect(result.text).toContain('Connected acme-cloud as alice@example.test')
    expect(result.json).toMatchObject({ type: 'patchbay:connect', status: 'success', app: 'acme-cloud', operation: 'creation' })
    expect(JSON.stringify(result.json)).not.toMatch(/access_token|refresh_token|secret/)
    await popup.waitForEvent('close', { timeout: 5000 }).catch(() => undefined)
    expect(popup.isClosed()).toBe(true)
  })

  it('Deny at Acme Cloud shows the refusal on the partner page', async () => {
    browser = await launchBrowser()
    const { page } = browser
    await page.goto(demo.partner)
    const popup = await clickConnect(page, '#connect-acme-cloud')
    await signInAtProvider(popup, 'bob')
    await consentAtProvider(popup, 'deny')
    const result = await resultOf(page)
    expect(result).toMatchObject({ status: 'error', json: { app: 'acme-cloud', error: 'access_denied' } })
  })

  it('Acme Status: the API-key form refuses a wrong key, then connects with the demo key', async () => {
    browser = await launchBrowser()
    const { page } = browser
    await page.goto(demo.partner)
    const key = (await page.textContent('#demo-key'))?.trim() ?? ''
    expect(key).toMatch(/^acme_/)
    const popup = await clickConnect(page, '#connect-acme-status')
    await popup.locator('input[type="password"]').fill('acme_wrong_key_123456')
    await popup.locator('button[type="submit"]').click()
    await popup.waitForSelector('[role="alert"]')
    await popup.locator('input[type="password"]').fill(key)
    await popup.locator('button[type="submit"]').click()
    const result = await resultOf(page)
    expect(result.status).toBe('success')
    expect(result.json).toMatchObject({ app: 'acme-status', account_identifier: 'ops@acme-status.test' })
  })

  it('runs an action on the connected Acme Status: the monitor dropdown from the app, a run, its result', async () => {
    browser = await launchBrowser()
    const { page } = browser
    await page.goto(demo.partner)
    await page.click('#load-monitors')
    await page.waitForSelector('#incident-form:not([hidden])')
    const labels = await page.locator('#monitor option').allTextContents()
    expect(labels).toEqual(['Public API (up)', 'Website (up)', 'Email delivery (degraded)'])
    await page.selectOption('#monitor', 'mon_mail')
    await page.fill('#incident-title', 'Mail is slow')
    await page.click('#run-action')
    await page.waitForSelector('#run-result[data-status="success"], #run-result[data-status="error"]')
    expect(await page.getAttribute('#run-result', 'data-status')).toBe('success')
    const run = JSON.parse((await page.textContent('#run-json')) ?? '{}')
    expect(run).toMatchObject({
      action: 'acme-status.create_incident',
      status: 'succeeded',
      output: { monitor: 'mon_mail', title: 'Mail is slow', status: 'investigating' },
    })
  })

  it('redirect mode: the link goes through Patchbay and comes back to the partner with the connection', async () => {
    browser = await launchBrowser()
    const { page } = browser
    await page.goto(demo.partner)
    await page.click('#redirect-acme-cloud')
    await signInAtProvider(page, 'carol')
    await consentAtProvider(page, 'allow')
    await page.waitForURL(`${demo.partner}/connected?**`)
    expect(await page.getAttribute('#back-result', 'data-status')).toBe('success')
    const url = new URL(page.url())
    expect(url.searchParams.get('app')).toBe('acme-cloud')
    expect(url.searchParams.get('connection_id')).toMatch(/\S/)
  })

  it('refuses clearly to start on a port that is taken', async () => {
    const port = new URL(demo.patchbay).port
    const second = startDemoProcess({ PATCHBAY_PORT: port, DEMO_PARTNER_PORT: '0', DEMO_OAUTH_PORT: '0', PATCHBAY_DATA_DIR: dataDir })
    const err = (await second.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: number; output?: string }
    expect(err?.code).toBe(1)
    expect(err?.output).toContain(`port ${port} (Patchbay) is already in use`)
    expect(err?.output).toContain('PATCHBAY_PORT=')
  })

  it('Ctrl-C stops everything', async () => {
    demo.child.kill('SIGINT')
    expect(await demo.exited).toBe(0)
    for (const url of [demo.partner, demo.patchbay, demo.oauth]) {
      await expect(fetch(url, { signal: AbortSignal.timeout(2000) })).rejects.toThrow()
    }
  })
})

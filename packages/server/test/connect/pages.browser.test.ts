/**
 * The Connect UI pages in Chromium: served with their real headers (strict CSP), they style and script themselves
 * only through the nonce, fit 320 px, work from the keyboard, and the result page posts to its opener's exact origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { newNonce, pageHeaders, renderAppForm, renderPicker, renderRedirecting, renderResult } from '../../src/connect/pages/index.js'
import { describeBrowser, type LaunchedBrowser, launchBrowser } from '../helpers/browser.js'
import { manyApps, renderSamples, sampleContext, stripe, stripeOptions, successMessage } from './render-samples.js'

interface Site {
  origin: string
  server: Server
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Site> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', () => handler(req, res, body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

function close(site: Site | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!site) return resolve()
    site.server.close(() => resolve())
    site.server.closeAllConnections()
  })
}

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="9" fill="#4a154b"/></svg>'

describeBrowser('Connect UI pages in Chromium', () => {
  let patchbay: Site
  let partner: Site
  let browser: LaunchedBrowser
  const posted: string[] = []
  let resultTarget = ''

  beforeAll(async () => {
    partner = await serve((req, res) => {
      if (req.url === '/landed') {
        res.writeHead(200, { 'content-type': 'text/html' })
        res.end('<!doctype html><title>landed</title><p id="landed">landed</p>')
        return
      }
      // The partner page: opens the popup on click and records what it is sent.
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(`<!doctype html><button id="open">Connect</button><script>
        window.msgs = []
        addEventListener('message', (e) => msgs.push({ origin: e.origin, data: e.data, fromPopup: e.source === window.popup }))
        document.getElementById('open').onclick = () => { window.popup = window.open(location.hash.slice(1), 'pb', 'width=480,height=640') }
      </script>`)
    })
    patchbay = await serve((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end()
        return
      }
      if (url.pathname.startsWith('/logos/')) {
        res.writeHead(200, { 'content-type': 'image/svg+xml' })
        res.end(LOGO)
        return
      }
      const nonce = newNonce()
      const ctx = { ...sampleContext('auto'), nonce }
      let page: string | undefined
      if (url.pathname === '/result') {
        page = renderResult(ctx, { message: successMessage, targetOrigin: resultTarget, title: 'Slack is connected', detail: 'Done.' })
      } else if (url.pathname === '/picker') {
        page = renderPicker(ctx, {
          apps: manyApps,
          hrefFor: (key) => `/picked/${key}`,
          searchAction: '/picker',
          q: url.searchParams.get('q') ?? '',
          category: url.searchParams.get('category') ?? '',
        })
      } else if (url.pathname === '/form' && req.method === 'GET') {
        page = renderAppForm(ctx, { app: stripe, options: [{ ...stripeOptions[0]!, action: '/form' }] })
      } else if (url.pathname === '/form') {
        posted.push(body)
        // Not a 303: browsers apply form-action 'self' to the redirects that follow a form POST.
        page = renderRedirecting(ctx, { app: stripe, url: `${partner.origin}/landed` })
      } else {
        page = renderSamples('auto')
          .find((s) => `/sample/${s.name}` === url.pathname)
          ?.html.replaceAll(sampleContext().nonce, nonce)
      }
      if (!page) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, pageHeaders(nonce, []))
      res.end(page.replace('content="0;url=https://', 'content="600;url=https://'))
    })
    browser = await launchBrowser({ viewport: { width: 320, height: 640 } })
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all([close(patchbay), close(partner)])
  })

  it('renders every sample page under the strict CSP with no violation and no horizontal scroll at 320 px', async () => {
    const { page } = browser
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text())
    })
    for (const { name } of renderSamples('auto')) {
      await page.goto(`${patchbay.origin}/sample/${name}`)
      const layout = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        // The nonce'd stylesheet applied: the button colour is the brand colour.
        styled: getComputedStyle(document.body).display === 'flex',
      }))
      expect(layout, name).toEqual({ overflow: 0, styled: true })
    }
    expect(problems).toEqual([])
  })

  it('posts the result to the opener at its exact origin and closes the popup', async () => {
    resultTarget = partner.origin
    const { page } = browser
    await page.goto(`${partner.origin}/#${patchbay.origin}/result`)
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#open')])
    // The popup closes itself as soon as it has posted, possibly before any close listener could be attached.
    await expect.poll(() => popup.isClosed(), { timeout: 10_000 }).toBe(true)
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { msgs: unknown[] }).msgs))
      .toEqual([{ origin: patchbay.origin, data: successMessage, fromPopup: true }])
  })

  it('delivers nothing to an opener at another origin than the target', async () => {
    resultTarget = 'https://elsewhere.test'
    const { page } = browser
    // Another path, so this is a fresh partner page and not a same-document hash navigation.
    await page.goto(`${partner.origin}/other#${patchbay.origin}/result`)
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#open')])
    // The popup closes itself as soon as it has posted, possibly before any close listener could be attached.
    await expect.poll(() => popup.isClosed(), { timeout: 10_000 }).toBe(true)
    await page.waitForTimeout(300)
    expect(await page.evaluate(() => (window as unknown as { msgs: unknown[] }).msgs)).toEqual([])
  })

  it('stays open and says so when there is no opener', async () => {
    resultTarget = partner.origin
    const { page } = browser
    await page.goto(`${patchbay.origin}/result`)
    await expect.poll(() => page.locator('#pb-close').textContent()).toBe('You can close this window.')
    expect(page.isClosed()).toBe(false)
  })

  it('is fillable and submittable from the keyboard alone, then follows the meta refresh to another origin', async () => {
    const { page } = browser
    posted.length = 0
    await page.goto(`${patchbay.origin}/form`)
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api_key-api_key')
    await page.keyboard.type('sk_test_abcdefghijkl')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api_key-account_name')
    await page.keyboard.type('Acme EU')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('BUTTON')
    // The focus ring is drawn with the brand colour.
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#landed', { timeout: 10_000 })
    expect(page.url()).toBe(`${partner.origin}/landed`)
    expect(posted).toEqual(['api_key=sk_test_abcdefghijkl&account_name=Acme+EU'])
  })

  it('blocks submission of a required field left empty', async () => {
    const { page } = browser
    posted.length = 0
    await page.goto(`${patchbay.origin}/form`)
    await page.click('button[type=submit]')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api_key-api_key')
    expect(posted).toEqual([])
  })

  it('narrows a 160-app picker from the keyboard: words, then a category, with no script', async () => {
    const { page } = browser
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text())
    })
    await page.goto(`${patchbay.origin}/picker`)
    expect(await page.locator('.grid li').count()).toBe(160)
    expect(await page.locator('[role=status]').textContent()).toBe('160 apps')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('pb-q')
    await page.keyboard.type('globex')
    await page.keyboard.press('Enter')
    await page.waitForURL(/q=globex/)
    expect(await page.locator('.grid li').count()).toBe(32)
    expect(await page.locator('[role=status]').textContent()).toBe('32 of 160 apps')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('pb-cat')
    await page.selectOption('#pb-cat', 'support')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await page.waitForURL(/category=support/)
    // Globex apps are every fifth, support every eighth: i % 40 === 1.
    expect(await page.locator('.grid b').allTextContents()).toEqual([
      'Globex support 1',
      'Globex support 41',
      'Globex support 81',
      'Globex support 121',
    ])
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBe(0)
    expect(problems).toEqual([])
  })
})

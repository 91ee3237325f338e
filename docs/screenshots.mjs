#!/usr/bin/env node
/**
 * Screenshots of every Connect UI page, taken from the real flow: the `npm start` demo (examples/demo) runs on free
 * ports with a throw-away data folder, and Chromium goes through the pages as a user would.
 *
 *   npm run build && node docs/screenshots.mjs
 *
 * Writes docs/screenshots/<page>-<theme>-<device>.png for the pages picker, form, form-error, redirecting,
 * success, error and expired; themes light and dark (the `theme=` parameter, with the matching
 * prefers-color-scheme); devices desktop (1280×800) and phone (375×740, touch, mobile viewport).
 * Chromium: /usr/bin/chromium (or PATCHBAY_CHROMIUM) through playwright-core; nothing is downloaded.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { startDemo } from '../examples/demo/demo.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const outDir = join(here, 'screenshots')
const CHROMIUM = process.env.PATCHBAY_CHROMIUM || '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const DEVICES = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true },
}
const THEMES = ['light', 'dark']
const TIMEOUT_S = Number(process.env.SCREENSHOTS_TIMEOUT || 300)

const cleanups = []
async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((err) => console.error(`cleanup: ${err.message}`))
}
function abort(why, code = 1) {
  console.error(`screenshots: ${why}`)
  cleanup().finally(() => process.exit(code))
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => abort(`interrupted (${signal})`, 130))
setTimeout(() => abort(`timed out after ${TIMEOUT_S}s`), TIMEOUT_S * 1000).unref()

const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-screenshots-'))
cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }))
const demo = await startDemo({ patchbayPort: 0, partnerPort: 0, oauthPort: 0, dataDir, log: () => {} })
cleanups.push(() => demo.close())
const { patchbay: patchbayUrl, partner: partnerUrl } = demo.urls
const db = demo.patchbay.services.database.db

async function session(apps, redirect = false) {
  return demo.partner.createConnectSession({ apps, redirect, user: 'screenshot-user' })
}

function connectUrl(path, token, params = {}) {
  const url = new URL(path, patchbayUrl)
  url.searchParams.set('token', token)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  return url.href
}

/** Signs in at the local Acme Cloud when it asks, then answers its consent page. */
async function authorizeAtAcme(page, decision) {
  const login = page.locator('#provider-username')
  const consent = page.locator('#provider-consent')
  await login.or(consent).first().waitFor()
  if (await login.isVisible()) {
    await login.fill('alice')
    await page.click('#provider-sign-in')
  }
  await page.click(decision === 'allow' ? '#provider-allow' : '#provider-deny')
}

/** Each page: how to get there from a fresh session, and what shows it is ready. */
const PAGES = {
  picker: async (page, theme) => {
    const { token } = await session(['acme-cloud', 'acme-status'])
    await page.goto(connectUrl('/connect', token, { theme }))
    await page.waitForSelector('a.app')
  },
  form: async (page, theme) => {
    const { token } = await session(['acme-status'])
    await page.goto(connectUrl('/to/acme-status', token, { theme }))
    await page.waitForSelector('input[type="password"]')
  },
  'form-error': async (page, theme) => {
    await PAGES.form(page, theme)
    await page.fill('input[type="password"]', 'acme_not_the_right_key')
    await page.click('button[type="submit"]')
    await page.waitForSelector('[role="alert"]')
  },
  // After a form post in redirect mode the Connect UI answers with a "redirecting" page (meta refresh). The return
  // URL answers 204 here, so the browser stays on that page for the picture.
  redirecting: async (page, theme) => {
    const { token } = await session(['acme-status'], true)
    await page.goto(connectUrl('/to/acme-status', token, { theme, redirect_uri: `${partnerUrl}/connected` }))
    await page.fill('input[type="password"]', demo.acmeStatusKey)
    await page.click('button[type="submit"]')
    await page.waitForSelector('h1:has-text("Redirecting")')
  },
  success: async (page, theme) => {
    const { token } = await session(['acme-cloud'])
    await page.goto(connectUrl('/to/acme-cloud', token, { theme }))
    await authorizeAtAcme(page, 'allow')
    await page.waitForSelector('#pb-close')
  },
  error: async (page, theme) => {
    const { token } = await session(['acme-cloud'])
    await page.goto(connectUrl('/to/acme-cloud', token, { theme }))
    await authorizeAtAcme(page, 'deny')
    await page.waitForSelector('#pb-close')
  },
  // An expired link knows no partner and no theme: it follows the browser's colour scheme.
  expired: async (page, theme) => {
    const { token, sessionId } = await session(['acme-cloud'])
    await db
      .updateTable('connect_sessions')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', sessionId)
      .execute()
    await page.goto(connectUrl('/to/acme-cloud', token, { theme }))
    await page.waitForSelector('h1:has-text("expired")')
  },
}

mkdirSync(outDir, { recursive: true })
const written = []
for (const [device, options] of Object.entries(DEVICES)) {
  for (const theme of THEMES) {
    const profile = mkdtempSync(join(tmpdir(), 'patchbay-chromium-'))
    const context = await chromium.launchPersistentContext(profile, {
      ...options,
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      colorScheme: theme,
      reducedMotion: 'reduce',
    })
    const closeContext = async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
    cleanups.push(closeContext)
    await context.route(`${partnerUrl}/connected**`, (route) => route.fulfill({ status: 204 }))
    const page = context.pages()[0] ?? (await context.newPage())
    page.setDefaultTimeout(15_000)
    for (const [name, reach] of Object.entries(PAGES)) {
      await reach(page, theme)
      const file = join(outDir, `${name}-${theme}-${device}.png`)
      writeFileSync(file, await page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide' }))
      written.push(file)
      console.log(`${file.slice(here.length + 1)}  ${Math.round(statSync(file).size / 1024)} KB`)
    }
    cleanups.splice(cleanups.indexOf(closeContext), 1)
    await closeContext()
  }
}
const total = written.reduce((sum, file) => sum + statSync(file).size, 0)
console.log(`${written.length} screenshots, ${(total / 1024 / 1024).toFixed(2)} MB in ${outDir}`)
await cleanup()

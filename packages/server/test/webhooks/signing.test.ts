import { createHmac } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import {
  generateWebhookSecret,
  isWebhookSecret,
  signWebhook,
  verifyWebhook,
  WebhookVerificationError,
  webhookHeaders,
  webhookSecretKey,
} from '../../src/webhooks/signing.js'

const body = JSON.stringify({ type: 'connection.created', timestamp: '2025-01-01T00:00:00.000Z', data: { connection: { id: 'conn_1' } } })
const id = 'evt_abc123'

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookVerificationError)
    expect((err as WebhookVerificationError).code).toBe(code)
    return
  }
  throw new Error(`expected ${code}, nothing was thrown`)
}

describe('Standard Webhooks signing', () => {
  it('generates whsec_ secrets of 32 random bytes in padded base64', () => {
    const secret = generateWebhookSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(webhookSecretKey(secret)).toHaveLength(32)
    expect(generateWebhookSecret()).not.toBe(secret)
    expect(webhookSecretKey(generateWebhookSecret(24))).toHaveLength(24)
    expect(webhookSecretKey(generateWebhookSecret(64))).toHaveLength(64)
    expect(() => generateWebhookSecret(16)).toThrow(TypeError)
  })

  it('refuses malformed secrets without quoting them', () => {
    for (const bad of [
      '',
      'abc',
      'whsec_',
      'whsec_not base64!',
      `whsec_${Buffer.alloc(16).toString('base64')}`,
      `whsec_${Buffer.alloc(65).toString('base64')}`,
    ]) {
      expect(isWebhookSecret(bad), bad).toBe(false)
      try {
        webhookSecretKey(bad)
      } catch (err) {
        if (bad.length > 6) expect((err as Error).message).not.toContain(bad.slice(6))
      }
    }
  })

  it('signs "{id}.{timestamp}.{body}" with HMAC-SHA256 of the decoded secret, as the spec says', () => {
    const secret = generateWebhookSecret()
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
    const expected = createHmac('sha256', key).update(`${id}.1700000000.${body}`).digest('base64')
    expect(signWebhook(secret, id, 1700000000, body)).toBe(`v1,${expected}`)
    expect(signWebhook(secret, id, 1700000000, Buffer.from(body))).toBe(`v1,${expected}`)
    expect(() => signWebhook(secret, 'evt.with.dots', 1, body)).toThrow(TypeError)
  })

  it('produces headers the reference library (standardwebhooks) verifies', () => {
    const secret = generateWebhookSecret()
    const headers = webhookHeaders(secret, id, body)
    expect(Number(headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1)
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body))
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow(/No matching signature/)
  })

  it('verifies what the reference library signs', () => {
    const secret = generateWebhookSecret()
    const now = new Date()
    const signature = new Webhook(secret).sign(id, now, body)
    const headers = { 'Webhook-Id': id, 'Webhook-Timestamp': String(Math.floor(now.getTime() / 1000)), 'Webhook-Signature': signature }
    expect(verifyWebhook(secret, headers, body)).toEqual({ id, timestamp: Math.floor(now.getTime() / 1000) })
    expect(verifyWebhook(secret, new Headers(headers), Buffer.from(body)).id).toBe(id)
  })

  it('does not verify a tampered body, id or timestamp', () => {
    const secret = generateWebhookSecret()
    const headers = webhookHeaders(secret, id, body)
    expectCode(() => verifyWebhook(secret, headers, body.replace('conn_1', 'conn_2')), 'PB_WEBHOOK_NO_MATCHING_SIGNATURE')
    expectCode(() => verifyWebhook(secret, headers, `${body} `), 'PB_WEBHOOK_NO_MATCHING_SIGNATURE')
    expectCode(() => verifyWebhook(secret, { ...headers, 'webhook-id': 'evt_other' }, body), 'PB_WEBHOOK_NO_MATCHING_SIGNATURE')
    const shifted = String(Number(headers['webhook-timestamp']) - 1)
    expectCode(() => verifyWebhook(secret, { ...headers, 'webhook-timestamp': shifted }, body), 'PB_WEBHOOK_NO_MATCHING_SIGNATURE')
  })

  it('does not verify with a wrong secret', () => {
    const headers = webhookHeaders(generateWebhookSecret(), id, body)
    expectCode(() => verifyWebhook(generateWebhookSecret(), headers, body), 'PB_WEBHOOK_NO_MATCHING_SIGNATURE')
  })

  it('refuses a timestamp outside the tolerance, even when correctly signed', () => {
    const secret = generateWebhookSecret()
    const old = webhookHeaders(secret, id, body, Date.now() - 301_000)
    expectCode(() => verifyWebhook(secret, old, body), 'PB_WEBHOOK_TIMESTAMP_TOO_OLD')
    expect(() => new Webhook(secret).verify(body, { ...old })).toThrow(/too old/)
    expect(verifyWebhook(secret, old, body, { toleranceSeconds: 600 }).id).toBe(id)
    const future = webhookHeaders(secret, id, body, Date.now() + 301_000)
    expectCode(() => verifyWebhook(secret, future, body), 'PB_WEBHOOK_TIMESTAMP_TOO_NEW')
    expectCode(() => verifyWebhook(secret, { ...old, 'webhook-timestamp': 'yesterday' }, body), 'PB_WEBHOOK_BAD_TIMESTAMP')
  })

  it('refuses a request missing any of the three headers', () => {
    const secret = generateWebhookSecret()
    const headers = webhookHeaders(secret, id, body)
    for (const name of Object.keys(headers) as Array<keyof typeof headers>) {
      const { [name]: _dropped, ...rest } = headers
      expectCode(() => verifyWebhook(secret, rest, body), 'PB_WEBHOOK_MISSING_HEADERS')
    }
  })

  it('accepts any of several space-separated signatures (rotation) and ignores other versions', () => {
    const current = generateWebhookSecret()
    const previous = generateWebhookSecret()
    const both = webhookHeaders([previous, current], id, body)
    expect(both['webhook-signature'].split(' ')).toHaveLength(2)
    expect(verifyWebhook(current, both, body).id).toBe(id)
    expect(verifyWebhook(previous, both, body).id).toBe(id)
    expect(new Webhook(current).verify(body, { ...both })).toBeTruthy()
    // A receiver holding both secrets accepts a request signed with either.
    expect(verifyWebhook([previous, current], webhookHeaders(current, id, body), body).id).toBe(id)
    // Only v1 counts: the same MAC labelled otherwise is ignored.
    const mac = (webhookHeaders(current, id, body)['webhook-signature'] as string).slice(3)
    const ts = String(Math.floor(Date.now() / 1000))
    expectCode(
      () => verifyWebhook(current, { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1a,${mac} v2,${mac}` }, body),
      'PB_WEBHOOK_NO_MATCHING_SIGNATURE',
    )
  })
})

import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { waitFor } from '../../server/test/helpers/webhooks.js'
import { verifyWebhook, WebhookVerificationError } from '../src/index.js'
import { verifyWebhook as verifyFromSubpath } from '../src/webhooks/verify-webhook.js'
import { GOOD_STRIPE_KEY, type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

/** Signatures come from `standardwebhooks`, the scheme's reference implementation, not from Patchbay's code. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`
const secret = newSecret()
const body = JSON.stringify({
  type: 'connection.created',
  timestamp: '2025-01-01T00:00:00.000Z',
  data: { connection: { id: 'conn_1', app: 'github' }, end_user: { tenant_id: 'org-1', user_id: 'u1' }, operation: 'creation' },
})

function signed(opts: { secrets?: string[]; at?: Date; id?: string; payload?: string } = {}) {
  const at = opts.at ?? new Date()
  const id = opts.id ?? `msg_${randomBytes(8).toString('hex')}`
  const signatures = (opts.secrets ?? [secret]).map((s) => new Webhook(s).sign(id, at, opts.payload ?? body))
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  }
}

function failure(fn: () => unknown): WebhookVerificationError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookVerificationError)
    return err as WebhookVerificationError
  }
  throw new Error('expected a WebhookVerificationError')
}

describe('verifyWebhook', () => {
  it('accepts a signature made by the standardwebhooks library and returns the event', () => {
    const headers = signed({ id: 'msg_abc' })
    const event = verifyWebhook(secret, headers, body)
    expect(event).toEqual({
      id: 'msg_abc',
      type: 'connection.created',
      timestamp: '2025-01-01T00:00:00.000Z',
      data: JSON.parse(body).data,
    })
    // The library accepts the same request: both read the scheme the same way.
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
    expect(verifyFromSubpath).toBe(verifyWebhook)
  })

  it('types connection.failed: the session, app, error and reconnect target', () => {
    const payload = JSON.stringify({
      type: 'connection.failed',
      timestamp: '2025-01-01T00:00:00.000Z',
      data: {
        session_id: 'cs_1',
        app: 'github',
        error: 'access_denied',
        error_description: 'The user denied access.',
        reconnect_id: null,
        end_user: { tenant_id: 'org-1', user_id: 'u1' },
      },
    })
    const event = verifyWebhook(secret, signed({ payload }), payload)
    if (event.type !== 'connection.failed') throw new Error(`unexpected ${event.type}`)
    // Type-checked by `npm run typecheck`: these fields exist only on the connection.failed variant.
    const { session_id, app, error, reconnect_id } = event.data
    expect({ session_id, app, error, reconnect_id }).toEqual({
      session_id: 'cs_1',
      app: 'github',
      error: 'access_denied',
      reconnect_id: null,
    })
  })

  it('takes the body as bytes and the headers as Headers or Node headers (any case, arrays)', () => {
    const headers = signed()
    expect(verifyWebhook(secret, new Headers(headers), Buffer.from(body)).type).toBe('connection.created')
    expect(verifyWebhook(secret, new Headers(headers), new TextEncoder().encode(body)).type).toBe('connection.created')
    const nodeStyle = {
      'Webhook-Id': headers['webhook-id'],
      'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'],
      'webhook-signature': [headers['webhook-signature']],
    }
    expect(verifyWebhook(secret, nodeStyle, body).type).toBe('connection.created')
  })

  it('refuses a tampered body', () => {
    const headers = signed()
    const tampered = body.replace('conn_1', 'conn_2')
    expect(failure(() => verifyWebhook(secret, headers, tampered)).code).toBe('PB_WEBHOOK_NO_MATCHING_SIGNATURE')
    expect(failure(() => verifyWebhook(secret, headers, `${body} `)).code).toBe('PB_WEBHOOK_NO_MATCHING_SIGNATURE')
  })

  it('refuses a tampered id or timestamp', () => {
    const headers = signed()
    expect(failure(() => verifyWebhook(secret, { ...headers, 'webhook-id': 'msg_other' }, body)).code).toBe(
      'PB_WEBHOOK_NO_MATCHING_SIGNATURE',
    )
    const ts = String(Number(headers['webhook-timestamp']) - 1)
    expect(failure(() => verifyWebhook(secret, { ...headers, 'webhook-timestamp': ts }, body)).code).toBe(
      'PB_WEBHOOK_NO_MATCHING_SIGNATURE',
    )
  })

  it('refuses a signature made with another secret', () => {
    const headers = signed({ secrets: [newSecret()] })
    expect(failure(() => verifyWebhook(secret, headers, body)).code).toBe('PB_WEBHOOK_NO_MATCHING_SIGNATURE')
  })

  it('refuses a stale or future timestamp, with the tolerance configurable', () => {
    const old = signed({ at: new Date(Date.now() - 301_000) })
    expect(failure(() => verifyWebhook(secret, old, body)).code).toBe('PB_WEBHOOK_TIMESTAMP_TOO_OLD')
    const future = signed({ at: new Date(Date.now() + 301_000) })
    expect(failure(() => verifyWebhook(secret, future, body)).code).toBe('PB_WEBHOOK_TIMESTAMP_TOO_NEW')
    expect(verifyWebhook(secret, old, body, { toleranceSeconds: 600 }).type).toBe('connection.created')
    const recent = signed({ at: new Date(Date.now() - 60_000) })
    expect(failure(() => verifyWebhook(secret, recent, body, { toleranceSeconds: 30 })).code).toBe('PB_WEBHOOK_TIMESTAMP_TOO_OLD')
    expect(verifyWebhook(secret, recent, body, { now: Date.now() - 60_000, toleranceSeconds: 1 }).type).toBe('connection.created')
  })

  it('accepts any one of several space-separated signatures (secret rotation on the sender side)', () => {
    const previous = newSecret()
    const headers = signed({ secrets: [previous, secret] })
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2)
    expect(verifyWebhook(secret, headers, body).type).toBe('connection.created')
    expect(verifyWebhook(previous, headers, body).type).toBe('connection.created')
    // Rotation on the receiver side: several secrets to try.
    expect(verifyWebhook([newSecret(), secret], signed(), body).type).toBe('connection.created')
    expect(failure(() => verifyWebhook(newSecret(), headers, body)).code).toBe('PB_WEBHOOK_NO_MATCHING_SIGNATURE')
  })

  it('ignores signatures of other versions and malformed entries', () => {
    const headers = signed()
    const mixed = { ...headers, 'webhook-signature': `v1a,${'A'.repeat(86)}== garbage v2,abc ${headers['webhook-signature']}` }
    expect(verifyWebhook(secret, mixed, body).type).toBe('connection.created')
    const onlyOthers = { ...headers, 'webhook-signature': headers['webhook-signature'].replace(/^v1,/, 'v1a,') }
    expect(failure(() => verifyWebhook(secret, onlyOthers, body)).code).toBe('PB_WEBHOOK_NO_MATCHING_SIGNATURE')
  })

  it('refuses missing headers and a timestamp that is not unix seconds', () => {
    const headers = signed()
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [name]: _, ...rest } = headers
      expect(failure(() => verifyWebhook(secret, rest, body)).code).toBe('PB_WEBHOOK_MISSING_HEADERS')
    }
    for (const ts of ['soon', '1.5', '-1', `${headers['webhook-timestamp']}000000000`]) {
      expect(failure(() => verifyWebhook(secret, { ...headers, 'webhook-timestamp': ts }, body)).code).toBe('PB_WEBHOOK_BAD_TIMESTAMP')
    }
  })

  it('refuses a validly signed body that is not a Patchbay event', () => {
    const payload = 'not json'
    expect(failure(() => verifyWebhook(secret, signed({ payload }), payload)).code).toBe('PB_WEBHOOK_INVALID_PAYLOAD')
  })

  it('throws a TypeError (never quoting it) for a malformed secret, and for a parsed body', () => {
    expect(() => verifyWebhook('not-a-secret', signed(), body)).toThrow(TypeError)
    expect(() => verifyWebhook('whsec_***', signed(), body)).toThrow(/base64/)
    expect(() => verifyWebhook([], signed(), body)).toThrow(/at least one/)
    expect(() => verifyWebhook(secret, signed(), JSON.parse(body))).toThrow(/rawBody/)
  })
})

describe.each(databaseTargets)('verifyWebhook on deliveries of the real server ($name)', (target) => {
  let s: SdkSetup

  beforeAll(async () => {
    s = await startSdkSetup(target)
  })
  afterAll(() => s?.close())

  it('verifies the connection.created event Patchbay sends after connections.create()', async () => {
    const { patchbay } = s.sdk()
    const user = patchbay.forUser({ userId: 'hooked', tenantId: 'org-7' })
    const connection = await user.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } })
    const hit = await waitFor(
      async () => s.receiver.hits().find((h) => h.body.includes(connection.id)),
      'the connection.created delivery',
      15_000,
    )
    const event = verifyWebhook(s.webhookSecret, hit.headers as Record<string, string>, hit.body)
    expect(event.type).toBe('connection.created')
    if (event.type !== 'connection.created') throw new Error('unreachable')
    expect(event.id).toBe(hit.headers['webhook-id'])
    expect(event.data.connection).toMatchObject({ id: connection.id, app: 'fakestripe', status: 'active' })
    expect(event.data.end_user).toEqual({ tenant_id: 'org-7', user_id: 'hooked' })
    expect(failure(() => verifyWebhook(newSecret(), hit.headers as Record<string, string>, hit.body)).code).toBe(
      'PB_WEBHOOK_NO_MATCHING_SIGNATURE',
    )
  })
})

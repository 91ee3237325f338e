import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import type { FakeApiRequest, FakeApiResponse } from '../helpers/fake-api.js'
import { type ActionHarness, bearerOf, startActionHarness } from './action-harness.js'

// A fake of Slack's Web API answering as its reference says: `{ ok: true, … }` on success and
// `{ ok: false, error }` with HTTP 200 for a refused call (chat.postMessage: channel_not_found, no_text…;
// every method: invalid_auth, not_authed), 429 with Retry-After when rate limited, cursor paging with
// response_metadata.next_cursor ("" on the last page). Slack reports an expired rotating token as
// `token_expired` in a 200; the HTTP 401 used below exercises Patchbay's refresh-on-401 path.

let postAnswers: FakeApiResponse[] = []
let posted: { body: unknown; contentType: string | undefined; token: string | undefined }[] = []
let expired = false
let refreshes = 0

function authorized(req: FakeApiRequest): FakeApiResponse | undefined {
  const token = bearerOf(req.headers)
  if (!token) return { json: { ok: false, error: 'not_authed' } }
  if (token === 'token-1' && expired) return { status: 401, json: { ok: false, error: 'invalid_auth' } }
  if (!token.startsWith('token-')) return { json: { ok: false, error: 'invalid_auth' } }
  return undefined
}

const page1 = [
  { id: 'C001', name: 'general', is_channel: true, is_private: false, is_archived: false, is_member: true, num_members: 12 },
  { id: 'C002', name: 'random', is_channel: true, is_private: false, is_archived: false, is_member: false, num_members: 4 },
]
const page2 = [
  { id: 'C003', name: 'release-notes', is_channel: true, is_private: false, is_archived: false, is_member: true, num_members: 7 },
]

function conversationsList(req: FakeApiRequest): FakeApiResponse {
  const denied = authorized(req)
  if (denied) return denied
  if (req.query.get('cursor') === 'dGVhbTpDMDAz') return { json: { ok: true, channels: page2, response_metadata: { next_cursor: '' } } }
  return { json: { ok: true, channels: page1, response_metadata: { next_cursor: 'dGVhbTpDMDAz' } } }
}

describe.each(databaseTargets)('Slack actions on a fake Slack ($name)', (target) => {
  let h: ActionHarness

  beforeAll(async () => {
    // Each harness has its own connection, starting again at refresh-1.
    refreshes = 0
    h = await startActionHarness(target, {
      app: 'slack',
      actions: ['send_message', 'list_channels'],
      tokenPath: '/api/oauth.v2.access',
      routes: {
        'GET /api/conversations.list': conversationsList,
        'POST /api/chat.postMessage': (req) => {
          const denied = authorized(req)
          if (denied) return denied
          const next = postAnswers.shift()
          if (next) return next
          const body = req.json as { channel?: string; text?: string }
          if (!body.text) return { json: { ok: false, error: 'no_text' } }
          if (!['C001', 'C002', 'C003'].includes(body.channel ?? '')) return { json: { ok: false, error: 'channel_not_found' } }
          posted.push({ body, contentType: req.headers['content-type'], token: bearerOf(req.headers) })
          return {
            json: {
              ok: true,
              channel: body.channel,
              ts: `1700000000.00000${posted.length}`,
              message: { type: 'message', text: body.text },
            },
          }
        },
      },
    })
    // oauth.v2.access answers in Slack's envelope, the user token under authed_user (the catalog's token_response paths).
    h.fake.route('POST /api/oauth.v2.access', (req) => {
      const form = new URLSearchParams(req.body)
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== `refresh-${refreshes + 1}`) {
        return { json: { ok: false, error: 'invalid_refresh_token' } }
      }
      refreshes++
      return {
        json: {
          ok: true,
          app_id: 'A0FAKE',
          team: { id: 'T0FAKE', name: 'Fake' },
          authed_user: {
            id: 'U0FAKE',
            scope: 'channels:read,chat:write,users:read',
            access_token: `token-${refreshes + 1}`,
            refresh_token: `refresh-${refreshes + 1}`,
            expires_in: 43200,
            token_type: 'user',
          },
        },
      }
    })
  })
  afterAll(async () => {
    await h?.close()
  })
  beforeEach(() => {
    postAnswers = []
    posted = []
    expired = false
  })

  it('posts the message with chat.postMessage as JSON and returns the channel and ts', async () => {
    const res = await h.run('send_message', { channel: 'C001', text: 'Hello *world*' })
    expect(res.json).toMatchObject({ status: 'succeeded', output: { channel: 'C001', ts: '1700000000.000001' } })
    expect(posted).toEqual([{ body: { channel: 'C001', text: 'Hello *world*' }, contentType: 'application/json', token: 'token-1' }])
    const sent = h.fake.requests.at(-1)
    expect(sent?.method).toBe('POST')
    expect(sent?.path).toBe('/api/chat.postMessage')
  })

  it('turns ok:false into the matching error: not_found for channel_not_found, validation for no_text, auth for invalid_auth', async () => {
    const missing = await h.run('send_message', { channel: 'C999', text: 'Anyone?' })
    expect(missing.json).toMatchObject({
      status: 'failed',
      error: { type: 'not_found', code: 'channel_not_found', attribution: 'user', retryable: false },
    })
    expect(missing.json.error.message).toContain('channel_not_found')
    postAnswers.push({ json: { ok: false, error: 'no_text' } })
    const empty = await h.run('send_message', { channel: 'C001', text: ' ' })
    expect(empty.json).toMatchObject({ status: 'failed', attempt: 1, error: { type: 'validation', code: 'no_text', attribution: 'user' } })
    postAnswers.push({ json: { ok: false, error: 'invalid_auth' } })
    const auth = await h.run('send_message', { channel: 'C001', text: 'x' })
    expect(auth.json).toMatchObject({ status: 'failed', error: { type: 'auth', code: 'invalid_auth', attribution: 'connection' } })
    expect(posted).toHaveLength(0)
  })

  it('refreshes the token once on a 401 and retries the call with the new one', async () => {
    expired = true
    const before = refreshes
    const res = await h.run('list_channels', {})
    expect(res.json).toMatchObject({ status: 'succeeded', output: { next_cursor: 'dGVhbTpDMDAz' } })
    expect(res.json.output.channels).toEqual([
      { id: 'C001', name: 'general', is_private: false, is_archived: false, is_member: true, num_members: 12 },
      { id: 'C002', name: 'random', is_private: false, is_archived: false, is_member: false, num_members: 4 },
    ])
    expect(refreshes).toBe(before + 1)
    const sent = h.fake.requests.filter((r) => r.path === '/api/conversations.list').slice(-2)
    expect(sent.map((r) => bearerOf(r.headers))).toEqual(['token-1', 'token-2'])
    expect(Object.fromEntries(sent[1]!.query)).toEqual({ types: 'public_channel', exclude_archived: 'true', limit: '100' })
  })

  it('waits out a 429 with Retry-After and then posts the message once', async () => {
    postAnswers.push({ status: 429, headers: { 'retry-after': '1' }, json: { ok: false, error: 'ratelimited' } })
    const res = await h.run('send_message', { channel: 'C002', text: 'Later' })
    expect(res.json).toMatchObject({ status: 'succeeded', attempt: 2, output: { channel: 'C002' } })
    expect(posted).toHaveLength(1)
  })

  it('does not repeat a post after a 5xx (it may have been posted), but retries a read', async () => {
    postAnswers.push({ status: 503, body: 'Service Unavailable' })
    const write = await h.run('send_message', { channel: 'C001', text: 'Maybe' })
    expect(write.json).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { type: 'provider', code: 'provider_error', provider_status: 503, retryable: true },
    })
    expect(posted).toHaveLength(0)
    let failures = 1
    h.fake.route('GET /api/conversations.list', (req) => (failures-- > 0 ? { status: 500, body: 'oops' } : conversationsList(req)))
    const read = await h.run('list_channels', { cursor: 'dGVhbTpDMDAz', limit: 2 })
    expect(read.json).toMatchObject({ status: 'succeeded', attempt: 2, output: { next_cursor: null } })
    expect(read.json.output.channels.map((c: { id: string }) => c.id)).toEqual(['C003'])
    h.fake.route('GET /api/conversations.list', conversationsList)
  })

  it('offers the channels from conversations.list, filtered by the typed text, with the next cursor', async () => {
    const first = await h.options('send_message', 'channel', {})
    expect(first.json).toEqual({
      options: [
        { label: '#general', value: 'C001' },
        { label: '#random', value: 'C002' },
      ],
      next_cursor: 'dGVhbTpDMDAz',
    })
    const second = await h.options('send_message', 'channel', { cursor: 'dGVhbTpDMDAz' })
    expect(second.json).toEqual({ options: [{ label: '#release-notes', value: 'C003' }], next_cursor: null })
    expect(h.fake.requests.at(-1)?.query.get('cursor')).toBe('dGVhbTpDMDAz')
    const filtered = await h.options('send_message', 'channel', { query: 'RAN' })
    expect(filtered.json.options).toEqual([{ label: '#random', value: 'C002' }])
  })
})

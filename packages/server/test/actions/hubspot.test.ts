import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import type { FakeApiRequest, FakeApiResponse } from '../helpers/fake-api.js'
import { type ActionHarness, bearerOf, startActionHarness } from './action-harness.js'

// A fake of HubSpot's CRM API v3 answering as its reference says: 201 with the created record, 409
// CONFLICT "Contact already exists. Existing ID: …", 400 VALIDATION_ERROR, 401 on an expired OAuth
// token, 429 RATE_LIMITS with Retry-After, 5xx; errors are {status: "error", message, correlationId,
// category}. Search answers {total, results, paging.next.after}.

function hubspotError(status: number, category: string, message: string, headers?: Record<string, string>): FakeApiResponse {
  return {
    status,
    json: { status: 'error', message, correlationId: 'a43683b0-5717-4ceb-80b4-104d02915d8c', category },
    ...(headers ? { headers } : {}),
  }
}

let expired = false
let createAnswers: FakeApiResponse[] = []
let searchAnswers: FakeApiResponse[] = []
let created: { body: unknown; token: string | undefined }[] = []

function authorized(req: FakeApiRequest): FakeApiResponse | undefined {
  const token = bearerOf(req.headers)
  if (token === 'token-1' && expired)
    return hubspotError(401, 'EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired 7 second(s) ago.')
  if (!token?.startsWith('token-')) return hubspotError(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found.')
  return undefined
}

const existing = { 'jane@example.com': '37765128953' } as Record<string, string>

const lifecycleStage = {
  name: 'lifecyclestage',
  label: 'Lifecycle Stage',
  type: 'enumeration',
  fieldType: 'radio',
  options: [
    { label: 'Customer', value: 'customer', displayOrder: 5, hidden: false },
    { label: 'Lead', value: 'lead', displayOrder: 1, hidden: false },
    { label: 'Subscriber', value: 'subscriber', displayOrder: 0, hidden: false },
    { label: 'Legacy stage', value: '1234567', displayOrder: 9, hidden: true },
  ],
}

const janeRecord = {
  id: '37765128953',
  properties: { email: 'jane@example.com', firstname: 'Jane', lastname: 'Doe', hs_object_id: '37765128953', lifecyclestage: null },
  createdAt: '2026-01-05T10:00:00.000Z',
  updatedAt: '2026-02-01T09:30:00.000Z',
  archived: false,
}

describe.each(databaseTargets)('HubSpot actions on a fake HubSpot ($name)', (target) => {
  let h: ActionHarness

  beforeAll(async () => {
    h = await startActionHarness(target, {
      app: 'hubspot',
      actions: ['create_contact', 'search_contacts'],
      tokenPath: '/oauth/2026-03/token',
      routes: {
        'POST /crm/v3/objects/contacts': (req) => {
          const denied = authorized(req)
          if (denied) return denied
          const next = createAnswers.shift()
          if (next) return next
          const body = req.json as { properties: Record<string, string> }
          const email = body.properties.email ?? ''
          if (existing[email]) return hubspotError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing[email]}`)
          created.push({ body, token: bearerOf(req.headers) })
          const id = String(5000 + created.length)
          return {
            status: 201,
            json: {
              id,
              properties: { ...body.properties, hs_object_id: id, createdate: '2026-03-01T12:00:00.000Z' },
              createdAt: '2026-03-01T12:00:00.000Z',
              updatedAt: '2026-03-01T12:00:00.000Z',
              archived: false,
            },
          }
        },
        'POST /crm/v3/objects/contacts/search': (req) =>
          authorized(req) ??
          searchAnswers.shift() ?? { json: { total: 3, results: [janeRecord], paging: { next: { after: '1', link: '?after=1' } } } },
        'GET /crm/v3/properties/contacts/lifecyclestage': (req) => authorized(req) ?? { json: lifecycleStage },
      },
    })
  })
  afterAll(async () => {
    await h?.close()
  })
  beforeEach(() => {
    expired = false
    createAnswers = []
    searchAnswers = []
    created = []
    h.fake.reset()
  })

  it('creates a contact with the documented properties body', async () => {
    const res = await h.run('create_contact', {
      email: 'sam@example.com',
      firstname: 'Sam',
      lastname: 'Lee',
      lifecyclestage: 'lead',
      properties: { jobtitle: 'CTO' },
    })
    expect(res.json).toMatchObject({
      status: 'succeeded',
      output: {
        id: '5001',
        created_at: '2026-03-01T12:00:00.000Z',
        properties: {
          email: 'sam@example.com',
          firstname: 'Sam',
          lastname: 'Lee',
          lifecyclestage: 'lead',
          jobtitle: 'CTO',
          hs_object_id: '5001',
        },
      },
    })
    expect(created).toEqual([
      {
        token: 'token-1',
        body: { properties: { jobtitle: 'CTO', email: 'sam@example.com', firstname: 'Sam', lastname: 'Lee', lifecyclestage: 'lead' } },
      },
    ])
    const request = h.fake.requests.at(-1)
    expect(request?.path).toBe('/crm/v3/objects/contacts')
    expect(request?.headers['content-type']).toMatch(/^application\/json/)
  })

  it('maps the 409 Conflict of an existing email to contact_exists, and a 400 to a validation error', async () => {
    const dup = await h.run('create_contact', { email: 'jane@example.com', firstname: 'Jane' })
    expect(dup.json).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: {
        type: 'validation',
        code: 'contact_exists',
        attribution: 'user',
        retryable: false,
        message: 'Contact already exists. Existing ID: 37765128953',
      },
    })
    createAnswers.push(hubspotError(400, 'VALIDATION_ERROR', 'Property values were not valid: [{"isValid":false,"name":"lifecyclestage"}]'))
    const bad = await h.run('create_contact', { email: 'new@example.com', lifecyclestage: 'nope' })
    expect(bad.json).toMatchObject({
      status: 'failed',
      error: { type: 'validation', code: 'provider_rejected_input', provider_status: 400, attribution: 'user' },
    })
    expect(bad.json.error.message).toContain('Property values were not valid')
    expect(created).toHaveLength(0)
  })

  it('searches contacts with a filter group, the query, the properties and the paging cursor', async () => {
    const res = await h.run('search_contacts', {
      query: 'jane',
      filters: [{ propertyName: 'email', operator: 'EQ', value: 'jane@example.com' }],
      properties: ['email', 'firstname'],
      limit: 50,
      cursor: '0',
    })
    expect(res.json).toMatchObject({
      status: 'succeeded',
      output: {
        total: 3,
        next_cursor: '1',
        contacts: [
          {
            id: '37765128953',
            created_at: '2026-01-05T10:00:00.000Z',
            updated_at: '2026-02-01T09:30:00.000Z',
            properties: janeRecord.properties,
          },
        ],
      },
    })
    expect(h.fake.requests.at(-1)?.json).toEqual({
      query: 'jane',
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'jane@example.com' }] }],
      properties: ['email', 'firstname'],
      limit: 50,
      after: '0',
    })
    searchAnswers.push({ json: { total: 0, results: [] } })
    const last = await h.run('search_contacts', {})
    expect(last.json.output).toEqual({ total: 0, contacts: [], next_cursor: null })
    expect(h.fake.requests.at(-1)?.json).toEqual({
      properties: ['email', 'firstname', 'lastname', 'lifecyclestage', 'createdate', 'lastmodifieddate'],
      limit: 20,
    })
  })

  it('refreshes the expired token once on a 401 and retries with the new one', async () => {
    expired = true
    const before = h.refreshes
    const res = await h.run('search_contacts', { query: 'jane' })
    expect(res.json.status).toBe('succeeded')
    expect(res.json.output.contacts.map((c: { id: string }) => c.id)).toEqual(['37765128953'])
    expect(h.refreshes).toBe(before + 1)
    const token = h.fake.requests.find((r) => r.path === '/oauth/2026-03/token')
    expect(new URLSearchParams(token?.body).get('refresh_token')).toBe('refresh-1')
    const sent = h.fake.requests.filter((r) => r.path === '/crm/v3/objects/contacts/search').map((r) => bearerOf(r.headers))
    expect(sent).toEqual(['token-1', 'token-2'])
  })

  it('waits out a 429 with Retry-After and then creates the contact once', async () => {
    createAnswers.push(hubspotError(429, 'RATE_LIMITS', 'You have reached your secondly limit.', { 'retry-after': '1' }))
    const res = await h.run('create_contact', { email: 'later@example.com' })
    expect(res.json).toMatchObject({ status: 'succeeded', attempt: 2, output: { id: '5001' } })
    expect(created).toEqual([{ token: expect.stringMatching(/^token-/), body: { properties: { email: 'later@example.com' } } }])
    expect(h.fake.requests.filter((r) => r.path === '/crm/v3/objects/contacts')).toHaveLength(2)
  })

  it('does not repeat a contact creation after a 5xx, but retries a search', async () => {
    createAnswers.push(hubspotError(502, 'INTERNAL_ERROR', 'Bad Gateway'))
    const write = await h.run('create_contact', { email: 'maybe@example.com' })
    expect(write.json).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { type: 'provider', code: 'provider_error', provider_status: 502, retryable: true },
    })
    expect(h.fake.requests.filter((r) => r.path === '/crm/v3/objects/contacts')).toHaveLength(1)
    expect(created).toHaveLength(0)
    searchAnswers.push(hubspotError(503, 'INTERNAL_ERROR', 'Service Unavailable'))
    const read = await h.run('search_contacts', { query: 'jane' })
    expect(read.json).toMatchObject({ status: 'succeeded', attempt: 2, output: { total: 3 } })
    expect(h.fake.requests.filter((r) => r.path === '/crm/v3/objects/contacts/search')).toHaveLength(2)
  })

  it('offers the visible lifecycle stages in display order, by internal value', async () => {
    const res = await h.options('create_contact', 'lifecyclestage')
    expect(res.json).toEqual({
      options: [
        { label: 'Subscriber', value: 'subscriber' },
        { label: 'Lead', value: 'lead' },
        { label: 'Customer', value: 'customer' },
      ],
      next_cursor: null,
    })
    expect(h.fake.requests.at(-1)?.method).toBe('GET')
    expect(h.fake.requests.at(-1)?.path).toBe('/crm/v3/properties/contacts/lifecyclestage')
  })
})

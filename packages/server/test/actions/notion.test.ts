import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import type { FakeApiRequest, FakeApiResponse } from '../helpers/fake-api.js'
import { type ActionHarness, bearerOf, startActionHarness } from './action-harness.js'

// A fake of Notion's API (Notion-Version 2025-09-03) answering as its reference says: POST /v1/search
// with {object: "list", results, next_cursor, has_more}, POST /v1/pages with the page object, errors as
// {object: "error", status, code, message} (400 validation_error, 401 unauthorized, 429 rate_limited
// with Retry-After, 5xx). Notion's token endpoint takes a JSON body with HTTP Basic client
// authentication, so the refresh route is this file's own (the harness's reads a form body).

const NOTION_VERSION = '2025-09-03'

function notionError(status: number, code: string, message: string, headers?: Record<string, string>): FakeApiResponse {
  return { status, json: { object: 'error', status, code, message, request_id: 'req-1' }, ...(headers ? { headers } : {}) }
}

let expired = false
let pageAnswers: FakeApiResponse[] = []
let searchAnswers: FakeApiResponse[] = []
let created: { body: unknown; token: string | undefined }[] = []
let refreshes: { body: unknown; authorization: string | undefined; contentType: string | undefined }[] = []

function authorized(req: FakeApiRequest): FakeApiResponse | undefined {
  const token = bearerOf(req.headers)
  if (token === 'token-1' && expired) return notionError(401, 'unauthorized', 'API token is invalid.')
  if (!token?.startsWith('token-')) return notionError(401, 'unauthorized', 'API token is invalid.')
  if (req.headers['notion-version'] !== NOTION_VERSION)
    return notionError(400, 'missing_version', 'Notion-Version header failed validation')
  return undefined
}

const roadmapPage = {
  object: 'page',
  id: '59833787-2cf9-4fdf-8782-e53db20768a5',
  url: 'https://www.notion.so/Roadmap-59833787',
  properties: {
    Name: {
      id: 'title',
      type: 'title',
      title: [
        { type: 'text', plain_text: 'Road' },
        { type: 'text', plain_text: 'map' },
      ],
    },
    Status: { id: 'a%3Ab', type: 'status', status: { name: 'Open' } },
  },
}
const tasksSource = {
  object: 'data_source',
  id: 'd9824bdc-8445-4327-be8b-5b47500af6ce',
  url: 'https://www.notion.so/d9824bdc84454327be8b5b47500af6ce',
  title: [{ type: 'text', plain_text: 'Tasks' }],
  properties: { Name: { id: 'title', type: 'title', title: {} } },
}
const untitledPage = {
  object: 'page',
  id: '0c1e5c40-1a8c-4b55-9ef8-3ad0c2a51b11',
  url: 'https://www.notion.so/0c1e5c40',
  properties: { title: { id: 'title', type: 'title', title: [] } },
}

function searchAnswer(req: FakeApiRequest): FakeApiResponse {
  const body = req.json as { filter?: { value?: string }; start_cursor?: string }
  if (body.filter?.value === 'page') {
    // Two pages of pages: the first says there is more.
    return body.start_cursor === 'cursor-2'
      ? { json: { object: 'list', type: 'page_or_data_source', results: [untitledPage], next_cursor: null, has_more: false } }
      : { json: { object: 'list', type: 'page_or_data_source', results: [roadmapPage], next_cursor: 'cursor-2', has_more: true } }
  }
  return {
    json: {
      object: 'list',
      type: 'page_or_data_source',
      page_or_data_source: {},
      results: [roadmapPage, tasksSource],
      next_cursor: null,
      has_more: false,
    },
  }
}

describe.each(databaseTargets)('Notion actions on a fake Notion ($name)', (target) => {
  let h: ActionHarness

  beforeAll(async () => {
    h = await startActionHarness(target, {
      app: 'notion',
      actions: ['search', 'create_page'],
      routes: {
        'POST /v1/oauth/token': (req) => {
          const body = req.json as { grant_type?: string; refresh_token?: string } | undefined
          refreshes.push({ body, authorization: req.headers.authorization, contentType: req.headers['content-type'] })
          if (body?.grant_type !== 'refresh_token') return { status: 400, json: { error: 'unsupported_grant_type' } }
          const n = refreshes.length + 1
          return {
            json: {
              access_token: `token-${n}`,
              refresh_token: `refresh-${n}`,
              token_type: 'bearer',
              bot_id: 'bot-1',
              workspace_id: 'ws-1',
              workspace_name: 'Acme',
            },
          }
        },
        'POST /v1/search': (req) => authorized(req) ?? searchAnswers.shift() ?? searchAnswer(req),
        'POST /v1/pages': (req) => {
          const denied = authorized(req)
          if (denied) return denied
          const next = pageAnswers.shift()
          if (next) return next
          created.push({ body: req.json, token: bearerOf(req.headers) })
          const id = `6e1f0c7a-0000-4000-8000-00000000000${created.length}`
          return {
            json: {
              object: 'page',
              id,
              url: `https://www.notion.so/${id.replaceAll('-', '')}`,
              parent: (req.json as { parent: unknown }).parent,
            },
          }
        },
      },
    })
  })
  afterAll(async () => {
    await h?.close()
  })
  beforeEach(() => {
    expired = false
    pageAnswers = []
    searchAnswers = []
    created = []
    h.fake.reset()
  })

  it('creates a page under a page with the documented body and the Notion-Version header', async () => {
    const res = await h.run('create_page', { parent_page_id: roadmapPage.id, title: 'Q3 plan', paragraphs: ['First.', 'Second.'] })
    expect(res.json).toMatchObject({
      status: 'succeeded',
      output: { id: '6e1f0c7a-0000-4000-8000-000000000001', url: 'https://www.notion.so/6e1f0c7a000040008000000000000001' },
    })
    expect(created).toEqual([
      {
        token: 'token-1',
        body: {
          parent: { page_id: roadmapPage.id },
          properties: { title: { title: [{ type: 'text', text: { content: 'Q3 plan' } }] } },
          children: [
            { object: 'block', type: 'paragraph', paragraph: { rich_text: [{ type: 'text', text: { content: 'First.' } }] } },
            { object: 'block', type: 'paragraph', paragraph: { rich_text: [{ type: 'text', text: { content: 'Second.' } }] } },
          ],
        },
      },
    ])
    const headers = h.fake.requests.at(-1)?.headers
    expect(headers?.['notion-version']).toBe(NOTION_VERSION)
    expect(headers?.['content-type']).toMatch(/^application\/json/)
  })

  it('adds a page to a database under its title property, without children when there is no content', async () => {
    const res = await h.run('create_page', {
      parent_database_id: '248104cd-477e-80fd-b757-e945d38000bd',
      title: 'Row',
      title_property: 'Name',
    })
    expect(res.json.status).toBe('succeeded')
    expect(created[0]?.body).toEqual({
      parent: { database_id: '248104cd-477e-80fd-b757-e945d38000bd' },
      properties: { Name: { title: [{ type: 'text', text: { content: 'Row' } }] } },
    })
  })

  it('searches with the documented body and reads page and data source titles', async () => {
    const res = await h.run('search', { query: 'road', page_size: 10 })
    expect(res.json).toMatchObject({
      status: 'succeeded',
      output: {
        results: [
          { id: roadmapPage.id, object: 'page', title: 'Roadmap', url: roadmapPage.url },
          { id: tasksSource.id, object: 'data_source', title: 'Tasks', url: tasksSource.url },
        ],
        next_cursor: null,
        has_more: false,
      },
    })
    const sent = h.fake.requests.filter((r) => r.path === '/v1/search')
    expect(sent.map((r) => r.json)).toEqual([{ query: 'road', page_size: 10 }])
    expect(sent[0]?.headers['notion-version']).toBe(NOTION_VERSION)
    await h.run('search', { filter: 'data_source', cursor: 'abc' })
    expect(h.fake.requests.at(-1)?.json).toEqual({
      filter: { property: 'object', value: 'data_source' },
      page_size: 25,
      start_cursor: 'abc',
    })
  })

  it("turns Notion's 400 validation_error into a validation error, and refuses a page without one parent before sending", async () => {
    pageAnswers.push(notionError(400, 'validation_error', 'body failed validation: body.parent.page_id should be a valid uuid'))
    const res = await h.run('create_page', { parent_page_id: '00000000000000000000000000000000', title: 'Bad parent' })
    expect(res.json).toMatchObject({
      status: 'failed',
      error: { type: 'validation', code: 'provider_rejected_input', provider_status: 400, attribution: 'user', retryable: false },
    })
    expect(res.json.error.message).toContain('body failed validation')
    const before = h.fake.requests.length
    const none = await h.run('create_page', { title: 'Nowhere' })
    expect(none.json).toMatchObject({ status: 'failed', error: { type: 'validation', code: 'parent_required', attribution: 'user' } })
    const both = await h.run('create_page', { parent_page_id: roadmapPage.id, parent_data_source_id: tasksSource.id, title: 'Twice' })
    expect(both.json.error.code).toBe('parent_required')
    expect(h.fake.requests.length).toBe(before)
    expect(created).toHaveLength(0)
  })

  it('refreshes the token at the JSON token endpoint on a 401 and retries with the new one', async () => {
    expired = true
    refreshes = []
    const res = await h.run('search', { query: 'road' })
    expect(res.json.status).toBe('succeeded')
    expect(res.json.output.results).toHaveLength(2)
    expect(refreshes).toHaveLength(1)
    expect(refreshes[0]?.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'refresh-1' })
    expect(refreshes[0]?.contentType).toMatch(/^application\/json/)
    expect(refreshes[0]?.authorization).toBe(`Basic ${Buffer.from('fake-client:fake-client-secret').toString('base64')}`)
    const sent = h.fake.requests.filter((r) => r.path === '/v1/search').map((r) => bearerOf(r.headers))
    expect(sent).toEqual(['token-1', 'token-2'])
  })

  it('waits out a 429 rate_limited with Retry-After and then creates the page once', async () => {
    pageAnswers.push(
      notionError(429, 'rate_limited', 'You have been rate limited. Please try again in a few minutes.', { 'retry-after': '1' }),
    )
    const res = await h.run('create_page', { parent_page_id: roadmapPage.id, title: 'Later' })
    expect(res.json).toMatchObject({ status: 'succeeded', attempt: 2 })
    expect(created).toHaveLength(1)
    expect(h.fake.requests.filter((r) => r.path === '/v1/pages')).toHaveLength(2)
  })

  it('does not repeat a page creation after a 5xx, but retries a search', async () => {
    pageAnswers.push(notionError(502, 'internal_server_error', 'Unexpected error occurred.'))
    const write = await h.run('create_page', { parent_page_id: roadmapPage.id, title: 'Maybe' })
    expect(write.json).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { type: 'provider', code: 'provider_error', provider_status: 502, retryable: true },
    })
    expect(h.fake.requests.filter((r) => r.path === '/v1/pages')).toHaveLength(1)
    expect(created).toHaveLength(0)
    searchAnswers.push(notionError(503, 'service_unavailable', 'Notion is unavailable, please try again later.'))
    const read = await h.run('search', { query: 'road' })
    expect(read.json).toMatchObject({ status: 'succeeded', attempt: 2 })
    expect(read.json.output.results.map((r: { title: string }) => r.title)).toEqual(['Roadmap', 'Tasks'])
  })

  it('offers the shared pages as parents, searched by the typed text, paged by next_cursor', async () => {
    const first = await h.options('create_page', 'parent_page_id', { query: 'Road' })
    expect(first.json).toEqual({ options: [{ label: 'Roadmap', value: roadmapPage.id }], next_cursor: 'cursor-2' })
    expect(h.fake.requests.at(-1)?.json).toEqual({ query: 'Road', filter: { property: 'object', value: 'page' }, page_size: 100 })
    const second = await h.options('create_page', 'parent_page_id', { query: 'Road', cursor: 'cursor-2' })
    expect(second.json).toEqual({ options: [{ label: 'Untitled', value: untitledPage.id }], next_cursor: null })
    expect(h.fake.requests.at(-1)?.json).toEqual({
      query: 'Road',
      filter: { property: 'object', value: 'page' },
      page_size: 100,
      start_cursor: 'cursor-2',
    })
  })
})

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import type { FakeApiRequest, FakeApiResponse } from '../helpers/fake-api.js'
import { type ActionHarness, bearerOf, startActionHarness } from './action-harness.js'

// A fake of GitHub's REST API answering as its reference says: 201 with the issue, 422 "Validation
// Failed" with `errors`, 401 "Bad credentials", 429/403 rate limits with Retry-After, 5xx.

/** The next answers of POST /repos/:owner/:repo/issues, before the normal one. */
let issueAnswers: FakeApiResponse[] = []
let created: { owner: string; repo: string; body: unknown; token: string | undefined }[] = []

function authorized(req: FakeApiRequest): FakeApiResponse | undefined {
  const token = bearerOf(req.headers)
  if (token === 'token-1' && req.headers['x-force-401'] !== 'no') {
    // The first token is treated as expired by GitHub in these tests once `expired` is set.
    if (expired) return { status: 401, json: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } }
  }
  if (!token?.startsWith('token-')) return { status: 401, json: { message: 'Bad credentials' } }
  return undefined
}
let expired = false

const repos = [
  {
    full_name: 'octo/hello',
    private: false,
    html_url: 'https://github.com/octo/hello',
    description: 'Hi',
    updated_at: '2026-01-01T00:00:00Z',
  },
  {
    full_name: 'octo/secret',
    private: true,
    html_url: 'https://github.com/octo/secret',
    description: null,
    updated_at: '2026-01-02T00:00:00Z',
  },
]

describe.each(databaseTargets)('GitHub actions on a fake GitHub ($name)', (target) => {
  let h: ActionHarness

  beforeAll(async () => {
    h = await startActionHarness(target, {
      app: 'github',
      actions: ['create_issue', 'get_issue', 'list_repositories', 'search_issues'],
      tokenPath: '/login/oauth/access_token',
      routes: {
        // Two pages: the first names the second in its Link header (rel="next"), the last has none.
        'GET /user/repos': (req) =>
          authorized(req) ??
          (req.query.get('page') === '2'
            ? { json: [] }
            : {
                headers: { link: `<https://api.github.com/user/repos?page=2&per_page=${req.query.get('per_page')}>; rel="next"` },
                json: repos,
              }),
        'GET /repos/:owner/:repo/assignees': (req) =>
          authorized(req) ?? { json: [{ login: 'octocat' }, { login: `${req.params.repo}-maintainer` }] },
        'POST /repos/:owner/:repo/issues': (req) => {
          const denied = authorized(req)
          if (denied) return denied
          const next = issueAnswers.shift()
          if (next) return next
          const body = req.json as { title?: string }
          if (!body.title)
            return {
              status: 422,
              json: { message: 'Validation Failed', errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }] },
            }
          created.push({ owner: req.params.owner as string, repo: req.params.repo as string, body, token: bearerOf(req.headers) })
          const number = created.length
          return {
            status: 201,
            json: {
              id: 1000 + number,
              number,
              html_url: `https://github.com/${req.params.owner}/${req.params.repo}/issues/${number}`,
              title: body.title,
              state: 'open',
            },
          }
        },
        'GET /repos/:owner/:repo/issues/:number': (req) =>
          authorized(req) ??
          (req.params.number === '404'
            ? { status: 404, json: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/issues/issues#get-an-issue' } }
            : {
                json: {
                  number: Number(req.params.number),
                  title: 'Crash on start',
                  state: 'open',
                  body: null,
                  html_url: `https://github.com/${req.params.owner}/${req.params.repo}/issues/${req.params.number}`,
                  comments: 3,
                },
              }),
        'GET /search/issues': (req) =>
          authorized(req) ?? {
            json: {
              total_count: 1,
              incomplete_results: false,
              items: [
                { number: 7, title: `match for ${req.query.get('q')}`, state: 'open', html_url: 'https://github.com/octo/hello/issues/7' },
              ],
            },
          },
      },
    })
  })
  afterAll(async () => {
    await h?.close()
  })
  beforeEach(() => {
    issueAnswers = []
    created = []
    expired = false
  })

  it('creates an issue with the documented body and returns its number and URL', async () => {
    const res = await h.run('create_issue', { repo: 'octo/hello', title: 'Bug', body: 'It breaks', assignee: 'octocat', labels: ['bug'] })
    expect(res.json).toMatchObject({ status: 'succeeded', output: { number: 1, url: 'https://github.com/octo/hello/issues/1', id: 1001 } })
    expect(created).toEqual([
      {
        owner: 'octo',
        repo: 'hello',
        body: { title: 'Bug', body: 'It breaks', assignees: ['octocat'], labels: ['bug'] },
        token: 'token-1',
      },
    ])
    const headers = h.fake.requests.at(-1)?.headers
    expect(headers?.['x-github-api-version']).toBe('2022-11-28')
    expect(headers?.accept).toBe('application/vnd.github+json')
  })

  it('reads an issue by number, and reports a missing one as not_found', async () => {
    const res = await h.run('get_issue', { repo: 'octo/hello', number: 42 })
    expect(res.json).toMatchObject({
      status: 'succeeded',
      output: {
        number: 42,
        title: 'Crash on start',
        state: 'open',
        body: null,
        url: 'https://github.com/octo/hello/issues/42',
        comments: 3,
      },
    })
    const missing = await h.run('get_issue', { repo: 'octo/hello', number: 404 })
    expect(missing.json).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { type: 'not_found', code: 'provider_not_found', provider_status: 404 },
    })
  })

  it("turns GitHub's 422 into a validation error attributed to the user", async () => {
    issueAnswers.push({
      status: 422,
      json: { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'invalid', field: 'labels' }] },
    })
    const res = await h.run('create_issue', { repo: 'octo/hello', title: 'Bad labels', labels: ['nope'] })
    expect(res.json).toMatchObject({
      status: 'failed',
      error: { type: 'validation', code: 'provider_rejected_input', provider_status: 422, attribution: 'user', retryable: false },
    })
    expect(res.json.error.message).toContain('Validation Failed')
  })

  it('refreshes the token once on a 401 and retries the call with the new one', async () => {
    expired = true
    const before = h.refreshes
    const res = await h.run('list_repositories', {})
    expect(res.json.status).toBe('succeeded')
    expect(res.json.output.repositories.map((r: { full_name: string }) => r.full_name)).toEqual(['octo/hello', 'octo/secret'])
    expect(res.json.output.next_cursor).toBe('2')
    expect(h.refreshes).toBe(before + 1)
    const sent = h.fake.requests
      .filter((r) => r.path === '/user/repos')
      .slice(-2)
      .map((r) => bearerOf(r.headers))
    expect(sent).toEqual(['token-1', 'token-2'])
    const last = await h.run('list_repositories', { cursor: '2' })
    expect(last.json).toMatchObject({ status: 'succeeded', output: { repositories: [], next_cursor: null } })
    expect(h.fake.requests.at(-1)?.query.get('page')).toBe('2')
  })

  it('waits out a 429 with Retry-After and then creates the issue once', async () => {
    issueAnswers.push({ status: 429, headers: { 'retry-after': '1' }, json: { message: 'API rate limit exceeded' } })
    const res = await h.run('create_issue', { repo: 'octo/hello', title: 'Later' })
    expect(res.json).toMatchObject({ status: 'succeeded', attempt: 2 })
    expect(created).toHaveLength(1)
  })

  it('does not repeat a write after a 5xx (the issue may exist), but retries a read', async () => {
    issueAnswers.push({ status: 502, json: { message: 'Server Error' } })
    const write = await h.run('create_issue', { repo: 'octo/hello', title: 'Maybe' })
    expect(write.json).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { type: 'provider', code: 'provider_error', provider_status: 502, retryable: true },
    })
    expect(created).toHaveLength(0)
    let failures = 1
    h.fake.route('GET /search/issues', () =>
      failures-- > 0
        ? { status: 503, json: { message: 'Service Unavailable' } }
        : { json: { total_count: 0, incomplete_results: false, items: [] } },
    )
    const read = await h.run('search_issues', { q: 'is:open' })
    expect(read.json).toMatchObject({ status: 'succeeded', attempt: 2, output: { total_count: 0, items: [], next_cursor: null } })
  })

  it('offers the user repositories, filtered by the typed text, and the assignees of the chosen repository', async () => {
    const repoChoices = await h.options('create_issue', 'repo', { query: 'sec' })
    expect(repoChoices.json).toEqual({ options: [{ label: 'octo/secret', value: 'octo/secret' }], next_cursor: '2' })
    const lastRepos = await h.options('create_issue', 'repo', { query: 'sec', cursor: '2' })
    expect(lastRepos.json).toEqual({ options: [], next_cursor: null })
    const noRepo = await h.options('create_issue', 'assignee', { inputs: {} })
    expect(noRepo.status).toBe(400)
    const assignees = await h.options('create_issue', 'assignee', { inputs: { repo: 'octo/hello' } })
    expect(assignees.json.options).toEqual([
      { label: 'octocat', value: 'octocat' },
      { label: 'hello-maintainer', value: 'hello-maintainer' },
    ])
  })
})

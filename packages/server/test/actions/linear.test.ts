import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import type { FakeApiRequest, FakeApiResponse } from '../helpers/fake-api.js'
import { type ActionHarness, bearerOf, startActionHarness } from './action-harness.js'

// A fake of Linear's GraphQL API answering as its docs say: POST /graphql with { query, variables },
// `{ data }` on success, `{ errors: [{ message, extensions }] }` for a refused operation (HTTP 200 for
// an invalid mutation input, HTTP 400 for a request refused whole), Relay connections with pageInfo,
// 401 for an expired OAuth token, 429 with Retry-After, 5xx.

let answers: FakeApiResponse[] = []
let created: { input: unknown; token: string | undefined }[] = []
let expired = false

const invalidInput = (message: string) => ({
  errors: [
    {
      message: 'Argument Validation Error',
      extensions: { code: 'INVALID_INPUT', type: 'invalid input', userError: true, userPresentableMessage: message },
    },
  ],
  data: null,
})

function graphql(req: FakeApiRequest): FakeApiResponse {
  const token = bearerOf(req.headers)
  if (!token?.startsWith('token-') || (token === 'token-1' && expired)) {
    return {
      status: 401,
      json: {
        errors: [
          {
            message: 'Authentication required, not authenticated',
            extensions: { code: 'AUTHENTICATION_ERROR', type: 'authentication error' },
          },
        ],
      },
    }
  }
  const next = answers.shift()
  if (next) return next
  const { query, variables } = req.json as { query: string; variables: Record<string, unknown> }
  if (query.includes('issueCreate(')) {
    const input = variables.input as { teamId?: string; title?: string }
    if (input.teamId !== 'team-eng') return { json: invalidInput('Team not found') }
    created.push({ input, token })
    const n = 40 + created.length
    return {
      json: {
        data: {
          issueCreate: {
            success: true,
            issue: { id: `issue-${n}`, identifier: `ENG-${n}`, url: `https://linear.app/acme/issue/ENG-${n}/x` },
          },
        },
      },
    }
  }
  if (query.includes('searchIssues(')) {
    return {
      json: {
        data: {
          searchIssues: {
            totalCount: 1,
            nodes: [
              {
                id: 'issue-7',
                identifier: 'ENG-7',
                title: `Crash on ${variables.term}`,
                url: 'https://linear.app/acme/issue/ENG-7/crash',
                state: { name: 'Todo' },
              },
            ],
            pageInfo: { hasNextPage: false, endCursor: 'c-7' },
          },
        },
      },
    }
  }
  if (query.includes('teams(')) {
    return variables.after === 'c-team-1'
      ? {
          json: {
            data: {
              teams: {
                nodes: [{ id: 'team-ops', name: 'Operations', key: 'OPS' }],
                pageInfo: { hasNextPage: false, endCursor: 'c-team-2' },
              },
            },
          },
        }
      : {
          json: {
            data: {
              teams: {
                nodes: [{ id: 'team-eng', name: 'Engineering', key: 'ENG' }],
                pageInfo: { hasNextPage: true, endCursor: 'c-team-1' },
              },
            },
          },
        }
  }
  if (query.includes('team(id:')) {
    if (variables.teamId !== 'team-eng')
      return {
        json: {
          errors: [
            {
              message: 'Entity not found',
              extensions: { code: 'INVALID_INPUT', type: 'invalid input', userPresentableMessage: 'Could not find referenced Team.' },
            },
          ],
          data: null,
        },
      }
    const states = [
      { id: 'state-todo', name: 'Todo', type: 'unstarted' },
      { id: 'state-done', name: 'Done', type: 'completed' },
    ]
    return { json: { data: { team: { states: { nodes: states, pageInfo: { hasNextPage: false, endCursor: 'c-s' } } } } } }
  }
  return { status: 400, json: { errors: [{ message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] } }
}

describe.each(databaseTargets)('Linear actions on a fake Linear ($name)', (target) => {
  let h: ActionHarness

  beforeAll(async () => {
    h = await startActionHarness(target, {
      app: 'linear',
      actions: ['create_issue', 'search_issues'],
      tokenPath: '/oauth/token',
      routes: { 'POST /graphql': graphql },
    })
  })
  afterAll(async () => {
    await h?.close()
  })
  beforeEach(() => {
    answers = []
    created = []
    expired = false
  })

  it('creates the issue with the issueCreate mutation and returns its id, identifier and URL', async () => {
    const res = await h.run('create_issue', { teamId: 'team-eng', stateId: 'state-todo', title: 'Login fails', description: 'Steps: …' })
    expect(res.json).toMatchObject({
      status: 'succeeded',
      output: { id: 'issue-41', identifier: 'ENG-41', url: 'https://linear.app/acme/issue/ENG-41/x' },
    })
    expect(created).toEqual([
      { input: { teamId: 'team-eng', title: 'Login fails', description: 'Steps: …', stateId: 'state-todo' }, token: 'token-1' },
    ])
    const sent = h.fake.requests.at(-1)!
    expect(sent.path).toBe('/graphql')
    expect(sent.headers['content-type']).toBe('application/json')
    const body = sent.json as { query: string; variables: unknown }
    expect(body.query).toMatch(
      /^mutation IssueCreate\(\$input: IssueCreateInput!\) \{\s+issueCreate\(input: \$input\) \{ success issue \{ id identifier url \} \}/,
    )
    expect(Object.keys(body as object).sort()).toEqual(['query', 'variables'])
  })

  it('turns GraphQL errors into a validation error, on HTTP 200 and on HTTP 400', async () => {
    const bad = await h.run('create_issue', { teamId: 'team-nope', title: 'Lost' })
    expect(bad.json).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { type: 'validation', code: 'invalid_input', attribution: 'user', retryable: false },
    })
    expect(bad.json.error.message).toContain('Team not found')
    answers.push({
      status: 400,
      json: { errors: [{ message: 'Variable "$input" got invalid value', extensions: { code: 'BAD_USER_INPUT' } }] },
    })
    const refused = await h.run('create_issue', { teamId: 'team-eng', title: 'Bad' })
    expect(refused.json).toMatchObject({ status: 'failed', error: { type: 'validation', code: 'bad_user_input' } })
    answers.push({ json: { errors: [{ message: 'Something broke', extensions: { code: 'INTERNAL_ERROR' } }], data: null } })
    const other = await h.run('create_issue', { teamId: 'team-eng', title: 'Other' })
    expect(other.json).toMatchObject({ status: 'failed', error: { type: 'provider', code: 'internal_error', attribution: 'provider' } })
    expect(created).toHaveLength(0)
  })

  it('refreshes the token once on a 401 and retries the call with the new one', async () => {
    expired = true
    const before = h.refreshes
    const res = await h.run('search_issues', { term: 'crash' })
    expect(res.json).toMatchObject({
      status: 'succeeded',
      output: {
        total_count: 1,
        issues: [
          { id: 'issue-7', identifier: 'ENG-7', title: 'Crash on crash', url: 'https://linear.app/acme/issue/ENG-7/crash', state: 'Todo' },
        ],
        next_cursor: null,
      },
    })
    expect(h.refreshes).toBe(before + 1)
    const sent = h.fake.requests.filter((r) => r.path === '/graphql').slice(-2)
    expect(sent.map((r) => bearerOf(r.headers))).toEqual(['token-1', 'token-2'])
    expect((sent[1]!.json as { variables: unknown }).variables).toEqual({ term: 'crash', first: 25, after: null })
  })

  it('waits out a 429 with Retry-After and then creates the issue once', async () => {
    answers.push({
      status: 429,
      headers: { 'retry-after': '1' },
      json: { errors: [{ message: 'Rate limit exceeded', extensions: { code: 'RATELIMITED' } }] },
    })
    const res = await h.run('create_issue', { teamId: 'team-eng', title: 'Later' })
    expect(res.json).toMatchObject({ status: 'succeeded', attempt: 2, output: { identifier: 'ENG-41' } })
    expect(created).toHaveLength(1)
  })

  it('does not repeat a create after a 5xx (the issue may exist), but retries a search', async () => {
    answers.push({ status: 502, body: 'Bad Gateway' })
    const write = await h.run('create_issue', { teamId: 'team-eng', title: 'Maybe' })
    expect(write.json).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { type: 'provider', code: 'provider_error', provider_status: 502, retryable: true },
    })
    expect(created).toHaveLength(0)
    answers.push({ status: 503, body: 'Service Unavailable' })
    const read = await h.run('search_issues', { term: 'login', first: 5 })
    expect(read.json).toMatchObject({ status: 'succeeded', attempt: 2, output: { total_count: 1 } })
    expect(read.json.output.issues[0].title).toBe('Crash on login')
  })

  it("offers the teams, then the chosen team's workflow states (which need teamId first)", async () => {
    const teams = await h.options('create_issue', 'teamId', {})
    expect(teams.json).toEqual({ options: [{ label: 'Engineering (ENG)', value: 'team-eng' }], next_cursor: 'c-team-1' })
    const more = await h.options('create_issue', 'teamId', { cursor: 'c-team-1' })
    expect(more.json).toEqual({ options: [{ label: 'Operations (OPS)', value: 'team-ops' }], next_cursor: null })
    const noTeam = await h.options('create_issue', 'stateId', { inputs: {} })
    expect(noTeam.status).toBe(400)
    const states = await h.options('create_issue', 'stateId', { inputs: { teamId: 'team-eng' } })
    expect(states.json).toEqual({
      options: [
        { label: 'Todo (unstarted)', value: 'state-todo' },
        { label: 'Done (completed)', value: 'state-done' },
      ],
      next_cursor: null,
    })
    expect((h.fake.requests.at(-1)!.json as { variables: unknown }).variables).toEqual({ teamId: 'team-eng', first: 50, after: null })
  })
})

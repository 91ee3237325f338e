import { ActionError, ActionHttpError, actionFailure } from '@patchbay/catalog'
import { describe, expect, it } from 'vitest'

// How an app's refusal becomes a run's error (docs/actions.md, "Errors"): the cases a status alone
// does not decide.

describe('actionFailure', () => {
  it('reads a 403 that says when to come back as a rate limit (Retry-After, or an empty window and its reset)', () => {
    const retry = actionFailure(
      new ActionHttpError(403, { 'retry-after': '30' }, { message: 'secondary rate limit' }, 'GET /x answered 403'),
    )
    expect(retry).toMatchObject({
      error: { type: 'rate_limited', retryable: true, retry_after: 30, provider_status: 403 },
      retryAfterMs: 30_000,
    })
    const reset = Math.floor(Date.now() / 1000) + 120
    const window = actionFailure(
      new ActionHttpError(
        403,
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        { message: 'API rate limit exceeded' },
        'x',
      ),
    )
    expect(window?.error).toMatchObject({ type: 'rate_limited', code: 'provider_rate_limited', retryable: true })
    expect(window?.retryAfterMs).toBeGreaterThan(100_000)
    expect(window?.retryAfterMs).toBeLessThanOrEqual(120_000)
    const refused = actionFailure(
      new ActionHttpError(403, { 'x-ratelimit-remaining': '4999' }, { message: 'Resource not accessible' }, 'x'),
    )
    expect(refused?.error).toMatchObject({ type: 'permission', code: 'provider_forbidden', retryable: false })
  })

  it("keeps an action's own error with the app's status and its wait", () => {
    const failure = actionFailure(
      new ActionError({
        type: 'rate_limited',
        code: 'throttled',
        message: 'slow down',
        retryable: true,
        providerStatus: 200,
        retryAfterSeconds: 2.5,
      }),
    )
    expect(failure).toEqual({
      error: {
        type: 'rate_limited',
        code: 'throttled',
        message: 'slow down',
        retryable: true,
        attribution: 'provider',
        provider_status: 200,
        retry_after: 3,
      },
      retryAfterMs: 2500,
    })
    expect(actionFailure(new Error('boom'))).toBeUndefined()
  })
})

describe('actionFailure: what the app says about the refused field and the missing scope', () => {
  const http = (status: number, data: unknown, headers: Record<string, string> = {}) =>
    actionFailure(new ActionHttpError(status, headers, data, `POST /x answered ${status}`))?.error

  it.each([
    ['GitHub', { message: 'Validation Failed', errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }] }, 'title'],
    ['Stripe', { error: { type: 'invalid_request_error', param: 'email', message: 'Invalid email address' } }, 'email'],
    [
      'Salesforce',
      [{ message: 'Required fields are missing: [LastName]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] }],
      'LastName',
    ],
    ['Jira', { errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } }, 'summary'],
    [
      'Zendesk',
      { error: 'RecordInvalid', description: 'Record validation errors', details: { subject: [{ description: 'is too long' }] } },
      'subject',
    ],
  ])('names the field a %s validation error names', (_app, body, field) => {
    expect(http(422, body)).toMatchObject({ type: 'validation', code: 'provider_rejected_input', field })
  })

  it('names no field when the app does not', () => {
    expect(http(400, { message: 'Problems parsing JSON' })).not.toHaveProperty('field')
  })

  it("reads the missing scope from RFC 6750's insufficient_scope and from GitHub's scope headers", () => {
    const bearer = http(
      403,
      { error: { message: 'Insufficient Permission' } },
      {
        'www-authenticate':
          'Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://www.googleapis.com/auth/gmail.send"',
      },
    )
    expect(bearer).toMatchObject({
      type: 'permission',
      code: 'missing_scope',
      missing_scopes: ['https://www.googleapis.com/auth/gmail.send'],
    })
    const github = http(404, { message: 'Not Found' }, { 'x-accepted-oauth-scopes': 'repo', 'x-oauth-scopes': 'read:user' })
    expect(github).toMatchObject({ type: 'not_found' })
    const githubForbidden = http(
      403,
      { message: 'Resource not accessible' },
      { 'x-accepted-oauth-scopes': 'repo, public_repo', 'x-oauth-scopes': 'read:user' },
    )
    expect(githubForbidden).toMatchObject({ type: 'permission', code: 'missing_scope', missing_scopes: ['repo', 'public_repo'] })
    const granted = http(
      403,
      { message: 'Resource not accessible' },
      { 'x-accepted-oauth-scopes': 'repo', 'x-oauth-scopes': 'repo, read:user' },
    )
    expect(granted).toMatchObject({ type: 'permission', code: 'provider_forbidden' })
    expect(granted).not.toHaveProperty('missing_scopes')
  })
})

describe('the error classes across two copies of @patchbay/catalog', () => {
  // The built server bundles its own copy of the catalog package, and an operator's action module
  // imports the installed one (docs/operations.md, "Sizing"). Here the package's build and its
  // sources are the two copies: distinct classes, recognised by each other.
  it('recognises an error made by the other copy, both ways, and classifies it as its own', async () => {
    // By URL, so TypeScript does not take the catalog's sources into this package's program.
    const other = (await import(
      new URL('../../../catalog/src/define-action.ts', import.meta.url).href
    )) as typeof import('@patchbay/catalog')
    expect(other.ActionError).not.toBe(ActionError)
    const mine = new other.ActionError({ type: 'not_found', code: 'no_such_board', message: 'no such board' })
    expect(mine instanceof ActionError).toBe(true)
    expect(new ActionError({ type: 'auth', code: 'x', message: 'x' }) instanceof other.ActionError).toBe(true)
    expect(actionFailure(mine)?.error).toMatchObject({ type: 'not_found', code: 'no_such_board', message: 'no such board' })
    const answer = new other.ActionHttpError(404, {}, { message: 'Not Found' }, 'GET /boards/1 answered 404')
    expect(answer instanceof ActionHttpError).toBe(true)
    expect(answer instanceof ActionError).toBe(false)
    expect(new ActionHttpError(500, {}, null, 'x') instanceof other.ActionHttpError).toBe(true)
    expect(actionFailure(answer)?.error).toMatchObject({ type: 'not_found', provider_status: 404 })
  })

  it('is not fooled by another error, and a subclass keeps the ordinary check', () => {
    expect(new Error('x') instanceof ActionError).toBe(false)
    expect((null as unknown) instanceof ActionHttpError).toBe(false)
    class BoardGone extends ActionError {}
    const gone = new BoardGone({ type: 'not_found', code: 'gone', message: 'gone' })
    expect(gone instanceof ActionError).toBe(true)
    expect(gone instanceof BoardGone).toBe(true)
    expect(new ActionError({ type: 'not_found', code: 'gone', message: 'gone' }) instanceof BoardGone).toBe(false)
  })
})

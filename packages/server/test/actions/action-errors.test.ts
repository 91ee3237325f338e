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

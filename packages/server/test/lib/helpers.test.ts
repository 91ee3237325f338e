import { describe, expect, it } from 'vitest'
import { basicAuthorization, clientBasicAuthorization } from '../../src/lib/basic-auth.js'
import { readDottedPath } from '../../src/lib/dotted-path.js'
import { retryAfterMs } from '../../src/lib/retry-after.js'

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-04T10:00:00Z')

  it('reads delta-seconds and HTTP dates', () => {
    expect(retryAfterMs('3', now)).toBe(3000)
    expect(retryAfterMs(' 0 ', now)).toBe(0)
    expect(retryAfterMs('Fri, 04 Dec 2026 10:00:05 GMT', now)).toBe(5000)
  })

  it('counts a date in the past as no wait', () => {
    expect(retryAfterMs('Fri, 04 Dec 2026 09:00:00 GMT', now)).toBe(0)
  })

  it('takes the first of repeated headers', () => {
    expect(retryAfterMs(['2', '9'], now)).toBe(2000)
  })

  it('answers undefined when absent or unreadable, for the caller to choose its default', () => {
    for (const value of [undefined, null, '', '  ', 'soon', '-1', '1.5', []]) expect(retryAfterMs(value, now)).toBeUndefined()
  })
})

describe('Basic authorization', () => {
  it('form-urlencodes a client id and secret first (RFC 6749 §2.3.1)', () => {
    const header = clientBasicAuthorization('my client', 'a:b%')
    expect(Buffer.from(header.replace(/^Basic /, ''), 'base64').toString()).toBe('my+client:a%3Ab%25')
  })

  it('sends a user name and password as they are (RFC 7617)', () => {
    expect(basicAuthorization('user', 'pa:ss é')).toBe(`Basic ${Buffer.from('user:pa:ss é').toString('base64')}`)
  })
})

describe('readDottedPath', () => {
  it('reads nested values and answers undefined for a missing step', () => {
    const body = { authed_user: { access_token: 'xoxp' }, ok: true, list: ['a'] }
    expect(readDottedPath(body, 'authed_user.access_token')).toBe('xoxp')
    expect(readDottedPath(body, 'ok')).toBe(true)
    expect(readDottedPath(body, 'list.0')).toBe('a')
    expect(readDottedPath(body, 'authed_user.missing.deeper')).toBeUndefined()
    expect(readDottedPath(body, 'ok.deeper')).toBeUndefined()
    expect(readDottedPath(null, 'a')).toBeUndefined()
  })
})

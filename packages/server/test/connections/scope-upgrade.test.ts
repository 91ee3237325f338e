import { describe, expect, it } from 'vitest'
import type { OAuth2Option } from '../../src/catalog/app-schema.js'
import { loadCatalog } from '../../src/catalog/load-catalog.js'
import { missingScopesIn } from '@patchbay/catalog'
import { missingScopes, upgradedScopes, upgradeRequest } from '../../src/connections/scope-upgrade.js'
import { buildAuthorizationUrl } from '../../src/provider-oauth/oauth2/authorization-url.js'

// The catalog side of scope upgrades (docs/api.md, "Upgrading scopes"): providers with incremental
// authorization (catalog `incremental_authorization`) are asked only for the added scopes, and the
// connection keeps the earlier ones; the others are asked for everything the connection should have.

const catalog = loadCatalog()
const option = (app: string) => catalog.get(app)?.auth.find((o) => o.type === 'oauth2') as OAuth2Option
const GMAIL_SEND = 'https://www.googleapis.com/auth/gmail.send'

describe('scope upgrade requests', () => {
  it('Google: only the added scope, with include_granted_scopes=true, and the stored scopes are the union', () => {
    const google = option('google')
    expect(google.incremental_authorization).toEqual({ include_granted_scopes: 'true' })
    const request = upgradeRequest(google, ['openid', 'email', 'profile'], [GMAIL_SEND])
    expect(request).toEqual({ scopes: [GMAIL_SEND], extraParams: { include_granted_scopes: 'true' } })
    const url = buildAuthorizationUrl({
      app: catalog.get('google')!,
      option: google,
      clientId: 'client',
      redirectUri: 'https://patchbay.example/oauth2/callback/google',
      state: 'state',
      codeChallenge: 'challenge',
      scopes: request.scopes,
      params: {},
      extraParams: request.extraParams,
    })
    expect(url.searchParams.get('scope')).toBe(GMAIL_SEND)
    expect(url.searchParams.get('include_granted_scopes')).toBe('true')
    // Google's token response names every scope of the grant; without one, what was asked plus what was there.
    expect(upgradedScopes(google, ['openid', 'email', 'profile'], request.scopes, [GMAIL_SEND, 'openid'])).toEqual([
      'openid',
      'email',
      'profile',
      GMAIL_SEND,
    ])
    expect(upgradedScopes(google, ['openid'], request.scopes, null)).toEqual(['openid', GMAIL_SEND])
  })

  it('a provider without incremental authorization: every scope, and the stored scopes are what was granted', () => {
    const github = option('github')
    expect(github.incremental_authorization).toBeUndefined()
    expect(upgradeRequest(github, ['repo'], ['read:org', 'repo'])).toEqual({ scopes: ['repo', 'read:org'], extraParams: {} })
    expect(upgradedScopes(github, ['repo'], ['repo', 'read:org'], ['read:org'])).toEqual(['read:org'])
    expect(upgradedScopes(github, ['repo'], ['repo', 'read:org'], null)).toEqual(['repo', 'read:org'])
  })

  it('reads the RFC 6750 insufficient_scope challenge and compares declared scopes', () => {
    const challenge = (value: string | undefined) => missingScopesIn({ 'www-authenticate': value })
    expect(challenge('Bearer realm="x", error="insufficient_scope", scope="a b"')).toEqual(['a', 'b'])
    expect(challenge('Bearer error=insufficient_scope')).toEqual([])
    expect(challenge('Bearer error="invalid_token"')).toBeUndefined()
    expect(challenge(undefined)).toBeUndefined()
    expect(missingScopes(['a', 'b'], ['a'])).toEqual(['b'])
    // Unknown grants (no scopes stored) are not judged, as action validation does.
    expect(missingScopes(['a'], [])).toEqual([])
  })
})

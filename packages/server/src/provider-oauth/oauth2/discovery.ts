import * as oauth from 'oauth4webapi'
import type { AddressPolicy } from '../../outbound/address-policy.js'
import type { SafeHttpClient } from '../../outbound/safe-fetch.js'

const TTL_MS = 10 * 60 * 1000

/** A fetch for oauth4webapi that goes through the guarded client (SSRF checks, caps, timeouts). */
export function guardedFetch(http: SafeHttpClient) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : input.toString()
    const headers: Record<string, string> = {}
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value
    })
    const res = await http.request(url, {
      method: (init?.method ?? 'GET') as 'GET',
      headers,
      ...(typeof init?.body === 'string'
        ? { body: init.body }
        : init?.body instanceof URLSearchParams
          ? { body: init.body.toString() }
          : {}),
      timeoutMs: 10_000,
      maxBytes: 256 * 1024,
    })
    const out = new Headers()
    for (const [key, value] of Object.entries(res.headers)) {
      if (Array.isArray(value)) for (const v of value) out.append(key, v)
      else if (value !== undefined) out.set(key, value)
    }
    return new Response(res.status === 204 || res.status === 304 ? null : new Uint8Array(res.body), { status: res.status, headers: out })
  }
}

/**
 * Authorization server metadata by issuer (OpenID Connect discovery, then RFC 8414), validated by
 * oauth4webapi (the document's `issuer` must equal the one asked for) and cached for ten minutes.
 */
export class DiscoveryCache {
  private readonly cache = new Map<string, { at: number; as: oauth.AuthorizationServer }>()

  constructor(
    private readonly http: SafeHttpClient,
    private readonly policy: AddressPolicy,
  ) {}

  async get(issuer: string): Promise<oauth.AuthorizationServer> {
    const hit = this.cache.get(issuer)
    if (hit && Date.now() - hit.at < TTL_MS) return hit.as
    const url = new URL(issuer)
    this.policy.checkUrl(url)
    const options = {
      [oauth.customFetch]: guardedFetch(this.http),
      ...(url.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {}),
    }
    let as: oauth.AuthorizationServer
    try {
      as = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { ...options, algorithm: 'oidc' }))
    } catch {
      as = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { ...options, algorithm: 'oauth2' }))
    }
    this.cache.set(issuer, { at: Date.now(), as })
    return as
  }
}

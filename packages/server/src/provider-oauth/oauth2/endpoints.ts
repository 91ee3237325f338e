import type { App, OAuth2Option } from '../../catalog/app-schema.js'
import { allowedHostsFor, renderUrl } from '../../catalog/template.js'
import type { AddressPolicy } from '../../outbound/address-policy.js'
import type { PartnerApp } from '../../partners/partner-apps.js'
import type { DiscoveryCache } from './discovery.js'

/** The partner has not configured what this app needs (an OAuth client, an issuer). */
export class AppNotConfiguredError extends Error {
  override name = 'AppNotConfiguredError'
}

export interface OAuth2Endpoints {
  issuer: string | undefined
  /** The provider advertises RFC 9207 `iss` in authorization responses: its absence is an attack. */
  issRequired: boolean
  authorizationEndpoint: string | undefined
  /** Template or URL of the token endpoint (render with {@link tokenEndpointUrl}). */
  tokenEndpoint: string | undefined
  userinfoEndpoint: string | undefined
  revocationEndpoint: string | undefined
  allowedHosts: string[]
}

/**
 * Where an OAuth2 option's endpoints are: from the catalog entry, or from the issuer's discovery
 * document (generic OIDC apps; the issuer is a partner setting).
 */
export async function resolveOAuth2Endpoints(
  app: App,
  option: OAuth2Option,
  partnerApp: PartnerApp | undefined,
  deps: { discovery: DiscoveryCache; addressPolicy: AddressPolicy },
): Promise<OAuth2Endpoints> {
  const settings = partnerApp?.settings ?? {}
  if (option.discovery) {
    const issuer = settings.issuer ?? option.issuer
    if (!issuer) throw new AppNotConfiguredError(`${app.name} has no issuer configured for this partner.`)
    const as = await deps.discovery.get(issuer)
    const urls = [as.authorization_endpoint, as.token_endpoint, as.userinfo_endpoint, as.revocation_endpoint].filter(
      (u): u is string => typeof u === 'string',
    )
    // Local-development issuers on plain http (allowed private ranges only) keep their exact hosts.
    const plainHttp = urls.flatMap((u) => {
      const url = new URL(u)
      return url.protocol === 'http:' && deps.addressPolicy.allowsPlainHttp(url.hostname) ? [url.hostname] : []
    })
    return {
      issuer: as.issuer,
      issRequired: as.authorization_response_iss_parameter_supported === true,
      authorizationEndpoint: as.authorization_endpoint,
      tokenEndpoint: as.token_endpoint,
      userinfoEndpoint: as.userinfo_endpoint,
      revocationEndpoint: as.revocation_endpoint,
      allowedHosts: [...allowedHostsFor(app, settings, urls), ...plainHttp],
    }
  }
  return {
    issuer: option.issuer,
    issRequired: false,
    authorizationEndpoint: undefined,
    tokenEndpoint: option.token_url,
    userinfoEndpoint: undefined,
    revocationEndpoint: option.revocation_url,
    allowedHosts: allowedHostsFor(app, settings),
  }
}

/** Renders an endpoint template with the connection's values, checked against the app's hosts. */
export function endpointUrl(
  template: string,
  values: { params: Record<string, string>; metadata?: Record<string, string>; settings: Record<string, string> },
  endpoints: Pick<OAuth2Endpoints, 'allowedHosts'>,
  policy: AddressPolicy,
): URL {
  return renderUrl(
    template,
    { params: values.params, metadata: values.metadata ?? {}, settings: values.settings },
    endpoints.allowedHosts,
    {
      allowHttp: (host: string) => policy.allowsPlainHttp(host),
    },
  )
}

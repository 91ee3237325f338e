/**
 * A real OAuth 2.0 / OpenID Connect authorization server (oidc-provider v9) on 127.0.0.1, standing in for
 * a third-party app (Slack, Google, ...) in end-to-end tests.
 *
 * The implementation is shared with the `npm start` demo, where it plays "Acme Cloud": it lives in
 * examples/demo/local-oauth-server.mjs (plain JavaScript, so the demo runs with node directly), with its types in
 * local-oauth-server.d.mts beside it.
 *
 * - confidential clients (client_secret_basic or client_secret_post, both accepted), secrets generated here;
 *   their redirect URIs can be set or changed at any time after start;
 * - authorization code flow with PKCE S256 required, RFC 9207 `iss` in every authorization response;
 * - refresh tokens on every code exchange, rotated on every use (reusing a spent one answers `invalid_grant` and
 *   revokes the grant);
 * - short access tokens (60 s default, changeable at run time), userinfo returning { sub, email, name };
 * - its own tiny login and consent pages (see `providerSelectors`), with "Deny" ending in `access_denied`;
 * - counters of every token endpoint call by grant_type (`stats`).
 */
export {
  type OAuthClientOptions,
  type OAuthProvider,
  type OAuthProviderEndpoints,
  type OAuthProviderOptions,
  type OAuthTestClient,
  type ProviderStats,
  type ProviderTiming,
  providerSelectors,
  startOAuthProvider,
  type TokenCall,
} from '../../../../examples/demo/local-oauth-server.mjs'

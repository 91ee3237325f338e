/**
 * Associated data for every vault column (the conventions of migration 0002): a ciphertext opens
 * only for the partner, row and field it was written for, so a value copied to another connection,
 * partner or column fails authentication. Components may not be empty or hold ":", which keeps the
 * strings unambiguous (no `a:b` + `c` colliding with `a` + `b:c`).
 */
function part(name: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.includes(':')) {
    throw new TypeError(`vault associated data: ${name} must be a non-empty string without ":"`)
  }
  return value
}

/** `connection:<partner>:<id>:credentials` for connections.credentials. */
export function connectionCredentialsAad(partnerId: string, connectionId: string): string {
  return `connection:${part('partnerId', partnerId)}:${part('connectionId', connectionId)}:credentials`
}

/** `partner_app:<partner>:<app>:client_secret` for partner_apps.client_secret. */
export function partnerAppSecretAad(partnerId: string, appKey: string): string {
  return `partner_app:${part('partnerId', partnerId)}:${part('appKey', appKey)}:client_secret`
}

/** `oauth_flow:<session>:<stateHash>:secrets` for oauth_flows.secrets. */
export function oauthFlowSecretsAad(sessionId: string, stateHash: string): string {
  return `oauth_flow:${part('sessionId', sessionId)}:${part('stateHash', stateHash)}:secrets`
}

/** `partner:<id>:webhook_secret` for partners.webhook_secret. */
export function partnerWebhookSecretAad(partnerId: string): string {
  return `partner:${part('partnerId', partnerId)}:webhook_secret`
}

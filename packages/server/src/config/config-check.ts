import { CatalogError } from '../catalog/catalog-error.js'
import { loadCatalog } from '../catalog/load-catalog.js'
import { type Config, ConfigError, envVarOf } from './config.js'
import { AddressPolicy } from '../outbound/address-policy.js'
import { loadVault } from '../vault/key-setup.js'
import { isWebhookSecret } from '../webhooks/signing.js'

type Env = Record<string, string | undefined>

/** `path (ENV_VAR)` for a setting that has an environment variable. */
function named(path: string): string {
  const env = envVarOf(path)
  return env ? `${path} (${env})` : path
}

/**
 * Every check `patchbay start` makes before it opens the database, beyond the schema `loadConfig`
 * applies: the encryption keys, the outbound CIDR ranges, the custom apps, the declared partners and
 * the environment variables they name. `patchbay config check` and `start` both call it, so a
 * configuration one accepts the other does not refuse. Throws one {@link ConfigError} listing every
 * problem; no message quotes a secret (docs/operations.md). Checks that need the database (a new
 * declared partner without `clientSecretHash`) are left to the start.
 */
export function checkConfig(config: Config, env: Env = process.env): void {
  const issues: string[] = []

  // Development mode without a key creates one at start: nothing to check, and nothing written here.
  if (config.encryptionKeys.length > 0 || !config.devMode) {
    try {
      loadVault(config)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      issues.push(err.message.replace(/^invalid configuration:\n\s*/, ''))
    }
  }

  config.outbound.allowPrivateRanges.forEach((range, index) => {
    try {
      new AddressPolicy([range])
    } catch {
      issues.push(`${named(`outbound.allowPrivateRanges.${index}`)}: "${range}" is not an IP address or CIDR range`)
    }
  })

  try {
    loadCatalog({ extraApps: config.apps })
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err
    for (const issue of err.issues) {
      const where = issue.source.replace(/^extraApps\[(\d+)\]$/, 'apps.$1')
      issues.push(`${where}${issue.path.replaceAll('/', '.')}: ${issue.message}`)
    }
  }

  const clientIds = new Map<string, string>()
  const ids = new Set<string>()
  config.partners.forEach((partner, i) => {
    const at = `partners.${i} (${partner.id})`
    if (ids.has(partner.id)) issues.push(`${at}: the id is declared twice`)
    ids.add(partner.id)
    if (!partner.jwksUrl && !partner.jwks) issues.push(`${at}: one of jwksUrl or jwks is required`)
    if (partner.jwksUrl && partner.jwks) issues.push(`${at}: give jwksUrl or jwks, not both`)
    const clientId = partner.clientId ?? partner.id
    const other = clientIds.get(clientId)
    if (other) issues.push(`${at}: clientId ${clientId} is also partner ${other}'s`)
    clientIds.set(clientId, partner.id)
    if (partner.webhookSecretEnv) {
      const secret = env[partner.webhookSecretEnv]
      if (!secret) issues.push(`${at}.webhookSecretEnv: environment variable ${partner.webhookSecretEnv} is not set`)
      // The value is a secret: the message says what is expected, never what was found.
      else if (!isWebhookSecret(secret)) {
        issues.push(
          `${at}.webhookSecretEnv: ${partner.webhookSecretEnv} must hold "whsec_" followed by the base64 of 24 to 64 random bytes`,
        )
      }
    }
    for (const [appKey, app] of Object.entries(partner.apps ?? {})) {
      if (app.clientSecretEnv && !env[app.clientSecretEnv]) {
        issues.push(`${at}.apps.${appKey}.clientSecretEnv: environment variable ${app.clientSecretEnv} is not set`)
      }
    }
  })

  if (issues.length > 0) throw new ConfigError(`invalid configuration:\n${issues.map((line) => `  ${line}`).join('\n')}`)
}

import { ConfigError } from '../config/config.js'
import { isWebhookSecret } from '../webhooks/signing.js'
import type { WebhookSecrets } from '../webhooks/webhook-secrets.js'
import type { ToolsetService } from '../mcp/toolsets.js'
import type { PartnerApps } from './partner-apps.js'
import type { PartnerInput } from './partner-input.js'
import type { PartnerStore } from './partner-store.js'

export interface SyncPartnersOptions {
  /** Where `apps` (the partner's own OAuth clients) are stored; ignored without it. */
  partnerApps?: PartnerApps
  /** Where `webhookSecretEnv` secrets are stored; ignored without it. */
  webhookSecrets?: WebhookSecrets
  /** Where `toolsets` are stored; ignored without it. */
  toolsets?: ToolsetService
  env?: Record<string, string | undefined>
}

/**
 * Applies the partners declared in the config file: creates or updates each one. Partners that
 * exist only in the database (made with the CLI) are left alone. A declared partner that is new
 * must carry its `clientSecretHash`, since there is nowhere safe to show a generated secret.
 */
export async function syncPartners(store: PartnerStore, declared: PartnerInput[], options: SyncPartnersOptions = {}): Promise<string[]> {
  const { partnerApps, webhookSecrets, toolsets, env = process.env } = options
  const applied: string[] = []
  for (const [i, input] of declared.entries()) {
    if (!input.clientSecretHash && !(await store.get(input.id))) {
      throw new ConfigError(
        `partners[${i}] (${input.id}): clientSecretHash is required for a new partner; run "patchbay partner new-secret" and put the hash in the config`,
      )
    }
    try {
      await store.save(input)
    } catch (err) {
      throw new ConfigError(`partners[${i}] (${input.id}): ${(err as Error).message}`)
    }
    if (input.webhookSecretEnv) {
      const secret = env[input.webhookSecretEnv]
      if (!secret) {
        throw new ConfigError(`partners[${i}].webhookSecretEnv: environment variable ${input.webhookSecretEnv} is not set`)
      }
      // The message never quotes the value: it is a secret.
      if (!isWebhookSecret(secret)) {
        throw new ConfigError(
          `partners[${i}].webhookSecretEnv: ${input.webhookSecretEnv} must hold "whsec_" followed by the base64 of 24 to 64 random bytes`,
        )
      }
      // Written only when it changed: every start would otherwise re-encrypt the same value.
      if (webhookSecrets && (await webhookSecrets.get(input.id).catch(() => undefined)) !== secret) {
        await webhookSecrets.set(input.id, secret)
      }
    }
    for (const [appKey, appInput] of Object.entries(input.apps ?? {})) {
      let clientSecret: string | undefined
      if (appInput.clientSecretEnv) {
        clientSecret = env[appInput.clientSecretEnv]
        if (!clientSecret) {
          throw new ConfigError(
            `partners[${i}].apps.${appKey}.clientSecretEnv: environment variable ${appInput.clientSecretEnv} is not set`,
          )
        }
      }
      await partnerApps?.set(input.id, appKey, {
        clientId: appInput.clientId,
        clientSecret,
        scopes: appInput.scopes,
        settings: { issuer: appInput.issuer },
      })
    }
    // Declared toolsets are created or replaced; those made through the API or the CLI are left alone.
    for (const [name, definition] of Object.entries(input.toolsets ?? {})) {
      try {
        await toolsets?.save(input.id, name, definition)
      } catch (err) {
        throw new ConfigError(`partners[${i}].toolsets.${name}: ${(err as Error).message}`)
      }
    }
    applied.push(input.id)
  }
  return applied
}

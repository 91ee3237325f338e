import type { Config } from '../config/config.js'
import type { RateLimitCounter } from './counter.js'

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number }

/**
 * Credential checks (an API key or a password sent to the app to be tried) counted per subject (a
 * connect session, or an end user on the REST API) and per client IP, before the app is asked: so
 * Patchbay cannot be used to try keys against an app (docs/operations.md, "Rate limits").
 */
export class CredentialAttempts {
  constructor(
    private readonly counter: RateLimitCounter,
    private readonly limits: Config['rateLimit'],
  ) {}

  /** Counts one attempt; `allowed: false` when the subject's or the IP's budget of the window is spent. */
  async take(subject: string, ip?: string): Promise<AttemptDecision> {
    const windowMs = this.limits.windowSeconds * 1000
    const now = Date.now()
    const budgets: Array<[string, number]> = [[`credentials:${subject}`, this.limits.credentialAttemptsPerSession]]
    if (ip !== undefined) budgets.push([`credentials-ip:${ip}`, this.limits.credentialAttemptsPerIp])
    const hits = await Promise.all(budgets.map(([key]) => this.counter.hit(key, windowMs, now)))
    const spent = hits.filter((hit, i) => hit.count > (budgets[i] as [string, number])[1])
    if (spent.length === 0) return { allowed: true }
    const resetAt = Math.max(...spent.map((hit) => hit.resetAt))
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)) }
  }
}

import { TemplateError, type TemplateErrorCode } from '../catalog/template.js'
import { OutboundBlockedError } from './address-policy.js'

/** The URL rules of the outbound policy: https only, no userinfo, the app's allowed hosts (docs/errors.md). */
const POLICY_CODES = new Set<TemplateErrorCode>(['PB_URL_NOT_HTTPS', 'PB_URL_HAS_CREDENTIALS', 'PB_URL_HOST_NOT_ALLOWED'])

/**
 * True when the outbound rules refused a request before anything was sent: plain http to a host
 * that is not an allowed private range, credentials in the URL, a host outside the app's allowed
 * hosts, or a private, loopback or reserved address after DNS resolution. Every caller answers this
 * cause with PB_ERR_OUTBOUND_BLOCKED (docs/errors.md), never as "could not be reached".
 */
export function isOutboundRefusal(err: unknown): boolean {
  if (err instanceof OutboundBlockedError) return true
  if (err instanceof TemplateError) return POLICY_CODES.has(err.code)
  // The connection's DNS lookup refuses inside undici: the error may arrive as a plain object with our code.
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'PB_OUTBOUND_BLOCKED'
}

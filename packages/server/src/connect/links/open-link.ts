import type { Partner } from '../../partners/partner-store.js'
import { type ConnectFlowDeps, sessionCookieName } from '../flow/flow-deps.js'
import { openSession } from '../flow/open-session.js'
import { errorStep, type FlowStep } from '../flow/steps.js'
import type { IssuedSession } from '../sessions/connect-sessions.js'
import type { ConnectLinks } from './connect-links.js'

/** Rolls back the session minted for a link another browser claimed first. */
class LinkTaken extends Error {}

/**
 * `GET /link?token=…` (docs/connect-links.md): the first visit turns the link into a connect session
 * and redeems it at once for this browser, which gets the session's HttpOnly cookie like any Connect
 * UI visit (docs/security.md). The link is then used: another browser gets "already used", while the
 * browser holding the cookie may open it again and lands back in its session.
 */
export async function openLink(
  deps: ConnectFlowDeps & { links: ConnectLinks },
  token: string | undefined,
  cookies: Record<string, string | undefined>,
): Promise<FlowStep> {
  const link = token ? await deps.links.byToken(token) : undefined
  if (!link) return { kind: 'problem', reason: 'not_found' }
  const partner: Partner | undefined = await deps.partners.get(link.partnerId)
  if (!partner) return { kind: 'problem', reason: 'not_found' }
  if (link.status === 'revoked') {
    return errorStep(410, 'This link was revoked', 'This connection link no longer works. Ask for a new one.', undefined, partner)
  }
  if (link.sessionId !== null) {
    const cookie = cookies[sessionCookieName(link.sessionId)]
    const own = cookie ? await deps.sessions.forBrowser(link.sessionId, cookie) : 'not_found'
    if (typeof own !== 'string') return { kind: 'redirect', url: `/connect/${own.id}` }
    return { kind: 'problem', reason: 'used' }
  }
  if (link.status === 'expired') return { kind: 'problem', reason: 'expired' }

  const now = Date.now()
  let issued: IssuedSession
  try {
    issued = await deps.db.transaction().execute(async (trx) => {
      const session = await deps.sessions.create(trx, {
        partnerId: link.partnerId,
        endUserId: link.endUserId,
        // No opener to post to: the result is a page, or the redirect to the link's return URL.
        options: {
          apps: link.apps,
          allowedOrigin: null,
          redirectUri: link.redirectUri,
          reconnectId: null,
          customState: link.customState,
          allowMultiple: false,
        },
        ttlSeconds: deps.config.sessionTtl,
        now,
        linkId: link.id,
      })
      if (!(await deps.links.claim(trx, link.id, session.id, now))) throw new LinkTaken()
      return session
    })
  } catch (err) {
    if (err instanceof LinkTaken) return { kind: 'problem', reason: 'used' }
    throw err
  }
  return openSession(deps, issued.code, link.apps.length === 1 ? (link.apps[0] as string) : null, {})
}

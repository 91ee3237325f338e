// Shared by the Slack actions: calling a Web API method and reading its `ok` envelope, and the channel
// picker. From Slack's Web API docs: every answer carries `ok`; a failure is `ok: false` with an
// `error` code, usually on HTTP 200 (https://docs.slack.dev/apis/web-api/ ); rate limits are HTTP 429
// with Retry-After (https://docs.slack.dev/apis/web-api/rate-limits ); lists page with `cursor` and
// `response_metadata.next_cursor`, empty on the last page (https://docs.slack.dev/apis/web-api/pagination ).
import {
  type ActionErrorType,
  type ActionHttp,
  type ActionHttpRequest,
  type ActionOption,
  ActionError,
  type FieldOptionsContext,
} from '../../../src/define-action.js'

export interface SlackEnvelope {
  ok: boolean
  error?: string
  needed?: string
  response_metadata?: { next_cursor?: string; messages?: string[] }
}

// Slack's error codes (the "Errors" table of each method and the common errors of every method) by what they mean here.
const KINDS: Record<string, ActionErrorType> = {
  channel_not_found: 'not_found',
  user_not_found: 'not_found',
  users_not_found: 'not_found',
  message_not_found: 'not_found',
  not_authed: 'auth',
  invalid_auth: 'auth',
  token_expired: 'auth',
  token_revoked: 'auth',
  account_inactive: 'auth',
  missing_scope: 'permission',
  not_allowed_token_type: 'permission',
  no_permission: 'permission',
  not_in_channel: 'permission',
  restricted_action: 'permission',
  ekm_access_denied: 'permission',
  is_archived: 'validation',
  no_text: 'validation',
  msg_too_long: 'validation',
  too_many_attachments: 'validation',
  invalid_blocks: 'validation',
  invalid_arguments: 'validation',
  invalid_arg_name: 'validation',
  invalid_cursor: 'validation',
  invalid_limit: 'validation',
  invalid_types: 'validation',
  invalid_name: 'validation',
  bad_timestamp: 'validation',
  no_item_specified: 'validation',
  ratelimited: 'rate_limited',
}

const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited'])

/** The ActionError for an `ok: false` answer. */
export function slackError(body: SlackEnvelope, method: string): ActionError {
  const code = typeof body.error === 'string' && body.error !== '' ? body.error : 'unknown_error'
  const type = KINDS[code] ?? 'provider'
  const detail = code === 'missing_scope' && body.needed ? ` (needs ${body.needed})` : ''
  return new ActionError({
    type,
    code,
    message: `Slack ${method} answered ok: false, error "${code}"${detail}`,
    retryable: TRANSIENT.has(code),
    // missing_scope names what the call needs in `needed` (comma-separated).
    ...(code === 'missing_scope' && body.needed ? { missingScopes: body.needed.split(',').map((s) => s.trim()) } : {}),
    ...(type === 'auth' || type === 'permission'
      ? { attribution: 'connection' as const }
      : type === 'not_found'
        ? { attribution: 'user' as const }
        : {}),
  })
}

/** Calls a Web API method (`/chat.postMessage`…) and returns its body once `ok` is true. */
export async function slackCall<T extends SlackEnvelope>(
  http: ActionHttp,
  method: string,
  request: Omit<ActionHttpRequest, 'path'>,
): Promise<T> {
  const res = await http.request<T>({ ...request, path: `/${method}` })
  const body = res.data
  if (typeof body !== 'object' || body === null) {
    throw new ActionError({ type: 'provider', code: 'unexpected_response', message: `Slack ${method} did not answer JSON` })
  }
  if (body.ok !== true) throw slackError(body, method)
  return body
}

export interface SlackChannel {
  id: string
  name: string
  is_private?: boolean
  is_archived?: boolean
  is_member?: boolean
  num_members?: number
}

export interface ConversationsList extends SlackEnvelope {
  channels: SlackChannel[]
}

/** Slack's `next_cursor` is "" on the last page. */
export function nextCursor(body: SlackEnvelope): string | null {
  const cursor = body.response_metadata?.next_cursor
  return typeof cursor === 'string' && cursor !== '' ? cursor : null
}

/** The public channels of the workspace (conversations.list), filtered by the typed text. */
export async function channelOptions(
  ctx: FieldOptionsContext<{ channel?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const body = await slackCall<ConversationsList>(ctx.http, 'conversations.list', {
    method: 'GET',
    query: { types: 'public_channel', exclude_archived: true, limit: 200, cursor: ctx.cursor },
  })
  const q = ctx.query?.toLowerCase().replace(/^#/, '')
  const channels = body.channels.filter((c) => !q || c.name.toLowerCase().includes(q))
  return { options: channels.map((c) => ({ label: `#${c.name}`, value: c.id })), nextCursor: nextCursor(body) }
}

/** A user object of users.list, users.info and users.lookupByEmail (https://docs.slack.dev/reference/objects/user-object ). */
export interface SlackUser {
  id: string
  team_id?: string
  name?: string
  real_name?: string
  deleted?: boolean
  is_bot?: boolean
  is_admin?: boolean
  tz?: string | null
  profile?: { real_name?: string; display_name?: string; email?: string; title?: string }
}

/** The trimmed user the Slack actions return (the email only with the users:read.email scope). */
export function toUser(u: SlackUser) {
  const text = (v: string | undefined | null) => (typeof v === 'string' && v !== '' ? v : null)
  return {
    id: u.id,
    team_id: text(u.team_id),
    name: text(u.name),
    real_name: text(u.real_name) ?? text(u.profile?.real_name),
    display_name: text(u.profile?.display_name),
    email: text(u.profile?.email),
    title: text(u.profile?.title),
    is_bot: u.is_bot === true,
    is_admin: u.is_admin === true,
    deleted: u.deleted === true,
    tz: text(u.tz),
  }
}

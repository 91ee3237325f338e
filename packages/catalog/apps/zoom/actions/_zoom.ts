// Shared by the Zoom Meeting API actions (https://developers.zoom.us/docs/api/meetings/): the meeting
// shape they return and Zoom's error body. Zoom answers errors as `{ code, message }` with an HTTP 4xx,
// and a few refusals of Create/Update meeting with HTTP 300 (e.g. a daily per-user limit or invalid
// enforce_login_domains), which are reported here as validation errors with Zoom's own code.
// The daily limit is not retryable within a run: it resets at 00:00 UTC.
// A Server-to-Server OAuth app gets its scopes in the Zoom App Marketplace, not in the token request:
// these actions need meeting:read (meeting:read:meeting, meeting:read:list_meetings) and meeting:write
// (meeting:write:meeting) there, so their `scopes` are empty.
import { Type } from '@sinclair/typebox'
import { ActionError, ActionHttpError } from '../../../src/define-action.js'

export interface ZoomMeeting {
  id: number
  uuid?: string
  host_id?: string
  host_email?: string
  topic?: string
  type?: number
  status?: string
  start_time?: string
  duration?: number
  timezone?: string
  agenda?: string
  created_at?: string
  join_url?: string
  start_url?: string
  password?: string
}

const TYPES: Record<number, string> = { 1: 'instant', 2: 'scheduled', 3: 'recurring_no_fixed_time', 4: 'pmi', 8: 'recurring_fixed_time' }

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

export const MeetingType = Type.Union(
  [
    Type.Literal('instant'),
    Type.Literal('scheduled'),
    Type.Literal('recurring_no_fixed_time'),
    Type.Literal('pmi'),
    Type.Literal('recurring_fixed_time'),
    Type.Literal('unknown'),
  ],
  { description: 'Zoom meeting type 1 instant, 2 scheduled, 3 recurring with no fixed time, 4 PMI, 8 recurring with a fixed time.' },
)

export const MeetingSummary = Type.Object({
  id: Type.Integer({ description: 'The meeting number.' }),
  uuid: Nullable(Type.String({ description: 'This instance of the meeting.' })),
  topic: Nullable(Type.String()),
  type: MeetingType,
  start_time: Nullable(Type.String({ description: 'ISO 8601, UTC; null for meetings with no fixed time.' })),
  duration: Type.Union([Type.Integer({ description: 'Minutes.' }), Type.Null()]),
  timezone: Nullable(Type.String()),
  agenda: Nullable(Type.String()),
  host_id: Nullable(Type.String()),
  created_at: Nullable(Type.String()),
  join_url: Nullable(Type.String({ description: 'The link participants join with.' })),
})

export const MeetingDetail = Type.Object({
  ...MeetingSummary.properties,
  status: Nullable(Type.String({ description: 'waiting or started.' })),
  host_email: Nullable(Type.String()),
  password: Nullable(Type.String({ description: 'The meeting passcode, if any.' })),
  start_url: Nullable(Type.String({ description: 'The host link that starts the meeting (expires; for the host only).' })),
})

export function meetingSummary(m: ZoomMeeting) {
  return {
    id: m.id,
    uuid: m.uuid ?? null,
    topic: m.topic ?? null,
    type: ((m.type !== undefined ? TYPES[m.type] : undefined) ?? 'unknown') as
      'instant' | 'scheduled' | 'recurring_no_fixed_time' | 'pmi' | 'recurring_fixed_time' | 'unknown',
    start_time: m.start_time ?? null,
    duration: m.duration ?? null,
    timezone: m.timezone ?? null,
    agenda: m.agenda ?? null,
    host_id: m.host_id ?? null,
    created_at: m.created_at ?? null,
    join_url: m.join_url ?? null,
  }
}

export function meetingDetail(m: ZoomMeeting) {
  return {
    ...meetingSummary(m),
    status: m.status ?? null,
    host_email: m.host_email ?? null,
    password: m.password ?? null,
    start_url: m.start_url ?? null,
  }
}

/** Zoom's HTTP 300 refusals as validation errors (the daily meeting limit as rate_limited); anything else unchanged. */
export function zoomRefusal(err: unknown): unknown {
  if (err instanceof ActionHttpError && err.status === 300) {
    const body = (typeof err.data === 'object' && err.data !== null ? err.data : {}) as { code?: unknown; message?: unknown }
    const message = typeof body.message === 'string' && body.message !== '' ? body.message.slice(0, 300) : 'Zoom refused the request.'
    // "A maximum of {n} meetings can be created/updated for a single user in one day."
    if (/\bin one day\b/i.test(message))
      return new ActionError({ type: 'rate_limited', code: 'zoom_daily_limit', message, retryable: false })
    return new ActionError({ type: 'validation', code: typeof body.code === 'number' ? `zoom_${body.code}` : 'zoom_refused', message })
  }
  return err
}

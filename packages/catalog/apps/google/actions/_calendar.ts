// Calendar API v3 shapes shared by list_events and create_event: the Events resource,
// https://developers.google.com/workspace/calendar/api/v3/reference/events#resource
import { Type } from '@sinclair/typebox'

export interface GoogleEventTime {
  date?: string
  dateTime?: string
  timeZone?: string
}

export interface GoogleEvent {
  id: string
  status?: string
  htmlLink?: string
  summary?: string
  description?: string
  location?: string
  start?: GoogleEventTime
  end?: GoogleEventTime
  organizer?: { email?: string }
  attendees?: { email?: string; responseStatus?: string }[]
}

const Time = Type.Object({
  date_time: Type.Union([Type.String(), Type.Null()], { description: 'RFC 3339, for a timed event.' }),
  date: Type.Union([Type.String(), Type.Null()], { description: 'yyyy-mm-dd, for an all-day event.' }),
  time_zone: Type.Union([Type.String(), Type.Null()]),
})

export const Event = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.String(), Type.Null()], { description: 'confirmed, tentative or cancelled.' }),
  summary: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  location: Type.Union([Type.String(), Type.Null()]),
  start: Time,
  end: Time,
  html_link: Type.Union([Type.String(), Type.Null()], { description: 'The event in the Google Calendar web UI.' }),
  organizer_email: Type.Union([Type.String(), Type.Null()]),
  attendees: Type.Array(
    Type.Object({
      email: Type.String(),
      response_status: Type.Union([Type.String(), Type.Null()], { description: 'needsAction, declined, tentative or accepted.' }),
    }),
  ),
})

function time(t: GoogleEventTime | undefined) {
  return { date_time: t?.dateTime ?? null, date: t?.date ?? null, time_zone: t?.timeZone ?? null }
}

export function event(e: GoogleEvent) {
  return {
    id: e.id,
    status: e.status ?? null,
    summary: e.summary ?? null,
    description: e.description ?? null,
    location: e.location ?? null,
    start: time(e.start),
    end: time(e.end),
    html_link: e.htmlLink ?? null,
    organizer_email: e.organizer?.email ?? null,
    attendees: (e.attendees ?? [])
      .filter((a) => a.email)
      .map((a) => ({ email: a.email as string, response_status: a.responseStatus ?? null })),
  }
}

/** A calendar ID: an email-like ID from calendarList.list, or "primary" for the user's main calendar. */
export const CALENDAR_ID = '^[^/\\s]+$'

/** RFC 3339 with a mandatory offset, e.g. 2024-05-01T09:00:00-07:00 or 2024-05-01T16:00:00Z. */
export const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'

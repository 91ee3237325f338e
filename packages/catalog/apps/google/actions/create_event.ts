// POST /calendar/v3/calendars/{calendarId}/events, from the Calendar API reference (events.insert):
// https://developers.google.com/workspace/calendar/api/v3/reference/events/insert
// A timed event: start and end as { dateTime, timeZone }, attendees as [{ email }]; sendUpdates says who
// is emailed about it.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { CALENDAR_ID, Event, event, type GoogleEvent, RFC3339 } from './_calendar.js'
import { calendarOptions } from './_fields.js'
import { EMAIL } from './_gmail.js'
import { google } from './_google.js'

export default defineAction({
  key: 'create_event',
  app: 'google',
  version: '1.0.0',
  type: 'write',
  title: 'Create a calendar event',
  description: 'Adds a timed event to a Google Calendar, with optional attendees who can be sent an invitation.',
  docs: 'https://developers.google.com/workspace/calendar/api/v3/reference/events/insert',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['https://www.googleapis.com/auth/calendar.events'],
  input: Type.Object({
    calendar_id: Type.String({
      pattern: CALENDAR_ID,
      maxLength: 1024,
      description: 'A calendar ID, or "primary" for the user\'s main calendar.',
    }),
    summary: Type.String({ minLength: 1, maxLength: 1024, description: 'The event title.' }),
    description: Type.Optional(Type.String({ maxLength: 8192, description: 'May contain HTML.' })),
    location: Type.Optional(Type.String({ maxLength: 1024 })),
    start: Type.String({ pattern: RFC3339, description: 'Start time, RFC 3339 with offset, e.g. 2024-05-28T09:00:00-07:00.' }),
    end: Type.String({ pattern: RFC3339, description: 'End time (exclusive), RFC 3339 with offset.' }),
    time_zone: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$',
        maxLength: 64,
        description: "IANA time zone name, e.g. Europe/Zurich (default: the calendar's).",
      }),
    ),
    attendees: Type.Optional(
      Type.Array(Type.String({ pattern: EMAIL, maxLength: 320 }), { maxItems: 100, description: 'Attendee email addresses.' }),
    ),
    send_updates: Type.Optional(
      Type.Union([Type.Literal('all'), Type.Literal('externalOnly'), Type.Literal('none')], {
        description: 'Who is emailed about the new event: all guests, only non-Google Calendar guests, or none (default none).',
      }),
    ),
  }),
  output: Event,
  fields: { calendar_id: { searchable: false, options: calendarOptions } },
  run: async (ctx, input) => {
    const zone = input.time_zone ? { timeZone: input.time_zone } : {}
    const res = await google(() =>
      ctx.http.request<GoogleEvent>({
        method: 'POST',
        path: `/calendar/v3/calendars/${encodeURIComponent(input.calendar_id)}/events`,
        ...(input.send_updates ? { query: { sendUpdates: input.send_updates } } : {}),
        json: {
          summary: input.summary,
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.location !== undefined ? { location: input.location } : {}),
          start: { dateTime: input.start, ...zone },
          end: { dateTime: input.end, ...zone },
          ...(input.attendees && input.attendees.length > 0 ? { attendees: input.attendees.map((email) => ({ email })) } : {}),
        },
      }),
    )
    return event(res.data)
  },
})

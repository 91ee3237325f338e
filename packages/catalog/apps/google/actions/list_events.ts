// GET /calendar/v3/calendars/{calendarId}/events, from the Calendar API reference (events.list):
// https://developers.google.com/workspace/calendar/api/v3/reference/events/list
// Recurring events are expanded into their instances (singleEvents=true) and ordered by start time
// (orderBy=startTime, which the reference allows only with singleEvents). maxResults ≤ 2500, pageToken paging.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { CALENDAR_ID, Event, event, type GoogleEvent, RFC3339 } from './_calendar.js'
import { calendarOptions } from './_fields.js'
import { google } from './_google.js'

export default defineAction({
  key: 'list_events',
  app: 'google',
  version: '1.0.0',
  type: 'read',
  title: 'List calendar events',
  description: 'Lists the events of a Google Calendar in a time window, recurring events expanded, earliest first.',
  docs: 'https://developers.google.com/workspace/calendar/api/v3/reference/events/list',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['https://www.googleapis.com/auth/calendar.readonly'],
  input: Type.Object({
    calendar_id: Type.String({
      pattern: CALENDAR_ID,
      maxLength: 1024,
      description: 'A calendar ID, or "primary" for the user\'s main calendar.',
    }),
    time_min: Type.Optional(
      Type.String({ pattern: RFC3339, description: 'Events ending after this time (RFC 3339 with offset, e.g. 2024-05-01T00:00:00Z).' }),
    ),
    time_max: Type.Optional(Type.String({ pattern: RFC3339, description: 'Events starting before this time (RFC 3339 with offset).' })),
    query: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'Free text matched against summary, description, location, attendees…' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2500, description: 'Events per page (default 50, at most 2500).' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({
    events: Type.Array(Event),
    time_zone: Type.Union([Type.String(), Type.Null()], { description: "The calendar's time zone." }),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  fields: { calendar_id: { searchable: false, options: calendarOptions } },
  run: async (ctx, input) => {
    const res = await google(() =>
      ctx.http.get<{ items?: GoogleEvent[]; nextPageToken?: string; timeZone?: string }>(
        `/calendar/v3/calendars/${encodeURIComponent(input.calendar_id)}/events`,
        {
          singleEvents: true,
          orderBy: 'startTime',
          maxResults: input.limit ?? 50,
          ...(input.time_min ? { timeMin: input.time_min } : {}),
          ...(input.time_max ? { timeMax: input.time_max } : {}),
          ...(input.query ? { q: input.query } : {}),
          ...(input.cursor ? { pageToken: input.cursor } : {}),
        },
      ),
    )
    return { events: (res.data.items ?? []).map(event), time_zone: res.data.timeZone ?? null, next_cursor: res.data.nextPageToken ?? null }
  },
})

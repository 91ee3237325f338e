// POST /me/events or /me/calendars/{id}/events, from the Microsoft Graph v1.0 reference ("Create
// event"): https://learn.microsoft.com/en-us/graph/api/user-post-events?view=graph-rest-1.0
// and https://learn.microsoft.com/en-us/graph/api/calendar-post-events?view=graph-rest-1.0
// Attendees get an invitation. `transactionId` lets Graph drop a retried POST it already took.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { EventOutput, eventOutput, type GraphEvent } from './_events.js'
import { calendarOptions, recipient, segment } from './_graph.js'

const LocalDateTime = (description: string) =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?$', description })

export default defineAction({
  key: 'create_event',
  app: 'microsoft',
  version: '1.0.0',
  type: 'write',
  title: 'Create a calendar event',
  description: "Creates an event in the signed-in user's default calendar or one of their calendars and invites its attendees.",
  docs: 'https://learn.microsoft.com/en-us/graph/api/user-post-events?view=graph-rest-1.0',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['Calendars.ReadWrite'],
  input: Type.Object({
    calendar_id: Type.Optional(
      Type.String({ minLength: 1, pattern: '^(?!\\.\\.?$).+$', description: 'A calendar of the user; default: their default calendar.' }),
    ),
    subject: Type.String({ minLength: 1, maxLength: 255, description: 'The event title.' }),
    body: Type.Optional(Type.String({ description: 'The event description.' })),
    body_type: Type.Optional(
      Type.Union([Type.Literal('text'), Type.Literal('html')], { description: 'How the body is written: text (default) or html.' }),
    ),
    start: LocalDateTime('Start, local time in time_zone, e.g. 2024-05-01T09:00:00.'),
    end: LocalDateTime('End, local time in time_zone, e.g. 2024-05-01T10:00:00.'),
    time_zone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Zone of start and end: a Windows name (Pacific Standard Time) or an IANA name (Europe/Paris). Default UTC.',
      }),
    ),
    is_all_day: Type.Optional(Type.Boolean({ description: 'An all-day event: start and end must then be midnights in the same zone.' })),
    location: Type.Optional(Type.String({ maxLength: 255, description: 'Where it takes place, as shown.' })),
    attendees: Type.Optional(
      Type.Array(
        Type.Object({
          email: Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 320 }),
          name: Type.Optional(Type.String({ maxLength: 255 })),
          type: Type.Optional(
            Type.Union([Type.Literal('required'), Type.Literal('optional'), Type.Literal('resource')], {
              description: 'Default: required.',
            }),
          ),
        }),
        { maxItems: 500, description: 'People (or rooms) to invite.' },
      ),
    ),
    is_online_meeting: Type.Optional(Type.Boolean({ description: 'Add an online meeting (Teams by default) to the event.' })),
  }),
  output: EventOutput,
  fields: { calendar_id: { options: calendarOptions } },
  run: async (ctx, input) => {
    const path = input.calendar_id !== undefined ? `/me/calendars/${segment(input.calendar_id)}/events` : '/me/events'
    const timeZone = input.time_zone ?? 'UTC'
    const res = await ctx.http.post<GraphEvent>(path, {
      subject: input.subject,
      ...(input.body !== undefined ? { body: { contentType: input.body_type === 'html' ? 'HTML' : 'Text', content: input.body } } : {}),
      start: { dateTime: input.start, timeZone },
      end: { dateTime: input.end, timeZone },
      ...(input.is_all_day !== undefined ? { isAllDay: input.is_all_day } : {}),
      ...(input.location !== undefined ? { location: { displayName: input.location } } : {}),
      ...(input.attendees !== undefined
        ? { attendees: input.attendees.map((a) => ({ ...recipient(a.email, a.name), type: a.type ?? 'required' })) }
        : {}),
      ...(input.is_online_meeting !== undefined ? { isOnlineMeeting: input.is_online_meeting } : {}),
      transactionId: ctx.idempotencyKey,
    })
    return eventOutput(res.data)
  },
})

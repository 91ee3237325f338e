// GET /me/calendarView or /me/calendars/{id}/calendarView, from the Microsoft Graph v1.0 reference
// ("List calendarView"): the events, occurrences of series and exceptions between two times, paged by
// @odata.nextLink. https://learn.microsoft.com/en-us/graph/api/user-list-calendarview?view=graph-rest-1.0
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { EVENT_SELECT, EventOutput, eventOutput, type GraphEvent } from './_events.js'
import { calendarOptions, fromCursor, type GraphPage, nextCursor, segment } from './_graph.js'

const DateTime = (description: string) =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?(Z|[+-]\\d{2}:\\d{2})?$', description })

export default defineAction({
  key: 'list_events',
  app: 'microsoft',
  version: '1.0.0',
  type: 'read',
  title: 'List calendar events',
  description:
    "Lists the events in a time range of the signed-in user's default calendar or of one of their calendars, with recurring events expanded.",
  docs: 'https://learn.microsoft.com/en-us/graph/api/user-list-calendarview?view=graph-rest-1.0',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['Calendars.Read'],
  input: Type.Object({
    start: DateTime('Start of the range, ISO 8601, e.g. 2024-05-01T00:00:00Z (without an offset: UTC).'),
    end: DateTime('End of the range, ISO 8601, e.g. 2024-05-08T00:00:00Z.'),
    calendar_id: Type.Optional(
      Type.String({ minLength: 1, pattern: '^(?!\\.\\.?$).+$', description: 'A calendar of the user; default: their default calendar.' }),
    ),
    time_zone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '^[^"\\r\\n]+$',
        description: 'Zone of the returned times, e.g. Pacific Standard Time (default: UTC).',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Events per page ($top).' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page; the other inputs are then taken from it.' })),
  }),
  output: Type.Object({
    events: Type.Array(EventOutput),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  fields: { calendar_id: { options: calendarOptions } },
  run: async (ctx, input) => {
    let path: string
    let query: Record<string, string>
    if (input.cursor !== undefined) {
      ;({ path, query } = fromCursor(input.cursor, /^\/me\/(calendarView|calendars\/[^/]+\/calendarView)$/))
    } else {
      path = input.calendar_id !== undefined ? `/me/calendars/${segment(input.calendar_id)}/calendarView` : '/me/calendarView'
      query = {
        startDateTime: input.start,
        endDateTime: input.end,
        $select: EVENT_SELECT,
        $orderby: 'start/dateTime',
        $top: String(input.limit ?? 50),
      }
    }
    // Times come back in UTC unless the Prefer header names another zone.
    const res = await ctx.http.request<GraphPage<GraphEvent>>({
      method: 'GET',
      path,
      query,
      ...(input.time_zone !== undefined ? { headers: { Prefer: `outlook.timezone="${input.time_zone}"` } } : {}),
    })
    return { events: res.data.value.map(eventOutput), next_cursor: nextCursor(res.data['@odata.nextLink']) }
  },
})

// GET /users/me/meetings, from the Zoom Meeting API reference ("List meetings"): a host's scheduled
// (unexpired) meetings, paged by next_page_token (valid 15 minutes; empty on the last page).
// https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { MeetingSummary, meetingSummary, type ZoomMeeting } from './_zoom.js'

const Day = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description })

export default defineAction({
  key: 'list_meetings',
  app: 'zoom',
  version: '1.0.0',
  type: 'read',
  title: 'List meetings',
  description: "Lists the connected user's scheduled Zoom meetings: all unexpired, live, upcoming or previous ones.",
  docs: 'https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    type: Type.Optional(
      Type.Union(
        [
          Type.Literal('scheduled'),
          Type.Literal('live'),
          Type.Literal('upcoming'),
          Type.Literal('upcoming_meetings'),
          Type.Literal('previous_meetings'),
        ],
        {
          description: 'scheduled (default: every unexpired meeting), live, upcoming, upcoming_meetings or previous_meetings.',
        },
      ),
    ),
    from: Type.Optional(Day('Only meetings from this day, yyyy-mm-dd.')),
    to: Type.Optional(Day('Only meetings up to this day, yyyy-mm-dd.')),
    timezone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'The zone of from and to, e.g. America/Los_Angeles.' }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 300, default: 30, description: 'Meetings per page (page_size, at most 300).' }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'next_cursor of the previous page (valid 15 minutes).' })),
  }),
  output: Type.Object({
    meetings: Type.Array(MeetingSummary),
    total_records: Type.Union([Type.Integer(), Type.Null()]),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const res = await ctx.http.get<{ meetings?: ZoomMeeting[]; next_page_token?: string; total_records?: number }>('/users/me/meetings', {
      type: input.type,
      from: input.from,
      to: input.to,
      timezone: input.timezone,
      page_size: input.limit ?? 30,
      next_page_token: input.cursor,
    })
    const token = res.data.next_page_token
    return {
      meetings: (res.data.meetings ?? []).map(meetingSummary),
      total_records: res.data.total_records ?? null,
      next_cursor: token !== undefined && token !== '' ? token : null,
    }
  },
})

// POST /users/me/meetings, from the Zoom Meeting API reference ("Create a meeting"); `me` is the
// user the token acts as (for a Server-to-Server OAuth app, the app's owner). Answers 201 with the
// meeting. Zoom limits it to 100 requests a day per host.
// https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { MeetingDetail, meetingDetail, type ZoomMeeting, zoomRefusal } from './_zoom.js'

const TYPE_NUMBER = { instant: 1, scheduled: 2, recurring_no_fixed_time: 3 } as const

export default defineAction({
  key: 'create_meeting',
  app: 'zoom',
  version: '1.0.0',
  type: 'write',
  title: 'Create a meeting',
  description: 'Schedules a Zoom meeting (or opens an instant one) hosted by the connected user, and returns its join link.',
  docs: 'https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: [],
  input: Type.Object({
    topic: Type.String({ minLength: 1, maxLength: 200, description: 'The meeting topic.' }),
    type: Type.Optional(
      Type.Union([Type.Literal('instant'), Type.Literal('scheduled'), Type.Literal('recurring_no_fixed_time')], {
        description: 'instant, scheduled (default) or recurring_no_fixed_time.',
      }),
    ),
    start_time: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z?$',
        description: 'For scheduled meetings: yyyy-MM-ddTHH:mm:ssZ in UTC, or yyyy-MM-ddTHH:mm:ss in timezone.',
      }),
    ),
    duration: Type.Optional(Type.Integer({ minimum: 1, description: 'Planned length in minutes (scheduled meetings).' })),
    timezone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "An IANA zone, e.g. America/Los_Angeles; default: the host's." }),
    ),
    agenda: Type.Optional(Type.String({ maxLength: 2000, description: 'The meeting description.' })),
    password: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9@_*-]{1,10}$',
        description: "Passcode: up to 10 characters among letters, digits, @ - _ *; default: per the account's settings.",
      }),
    ),
    settings: Type.Optional(
      Type.Object(
        {
          host_video: Type.Optional(Type.Boolean({ description: 'Start with the host video on.' })),
          participant_video: Type.Optional(Type.Boolean({ description: 'Start with participant video on.' })),
          join_before_host: Type.Optional(Type.Boolean({ description: 'Let participants join before the host.' })),
          mute_upon_entry: Type.Optional(Type.Boolean({ description: 'Mute participants when they join.' })),
          waiting_room: Type.Optional(Type.Boolean({ description: 'Hold participants in a waiting room.' })),
          auto_recording: Type.Optional(
            Type.Union([Type.Literal('local'), Type.Literal('cloud'), Type.Literal('none')], { description: 'Record automatically.' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  }),
  output: MeetingDetail,
  run: async (ctx, input) => {
    try {
      const res = await ctx.http.post<ZoomMeeting>('/users/me/meetings', {
        topic: input.topic,
        type: TYPE_NUMBER[input.type ?? 'scheduled'],
        ...(input.start_time !== undefined ? { start_time: input.start_time } : {}),
        ...(input.duration !== undefined ? { duration: input.duration } : {}),
        ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
        ...(input.agenda !== undefined ? { agenda: input.agenda } : {}),
        ...(input.password !== undefined ? { password: input.password } : {}),
        ...(input.settings !== undefined && Object.keys(input.settings).length > 0 ? { settings: input.settings } : {}),
      })
      return meetingDetail(res.data)
    } catch (err) {
      throw zoomRefusal(err)
    }
  },
})

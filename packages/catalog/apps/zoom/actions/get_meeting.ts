// GET /meetings/{meetingId}, from the Zoom Meeting API reference ("Get a meeting"); 404 with code 3001
// when the meeting does not exist or has expired.
// https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/meetings/{meetingId}
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { MeetingDetail, meetingDetail, type ZoomMeeting } from './_zoom.js'

export default defineAction({
  key: 'get_meeting',
  app: 'zoom',
  version: '1.0.0',
  type: 'read',
  title: 'Get a meeting',
  description: 'Reads a Zoom meeting: topic, time, status, join link and passcode.',
  docs: 'https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/meetings/{meetingId}',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    meeting_id: Type.String({ pattern: '^[0-9]{9,12}$', description: 'The meeting number, e.g. 85746065432.' }),
    occurrence_id: Type.Optional(Type.String({ pattern: '^[0-9]{1,20}$', description: 'One occurrence of a recurring meeting.' })),
  }),
  output: MeetingDetail,
  run: async (ctx, input) => {
    const res = await ctx.http.get<ZoomMeeting>(
      `/meetings/${input.meeting_id}`,
      input.occurrence_id !== undefined ? { occurrence_id: input.occurrence_id } : undefined,
    )
    return meetingDetail(res.data)
  },
})

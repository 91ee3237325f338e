// The event shape the calendar actions return, trimmed from Microsoft Graph's event resource:
// https://learn.microsoft.com/en-us/graph/api/resources/event?view=graph-rest-1.0
import { Type } from '@sinclair/typebox'

export interface GraphDateTime {
  dateTime: string
  timeZone: string
}

export interface GraphEvent {
  id: string
  subject?: string | null
  start?: GraphDateTime | null
  end?: GraphDateTime | null
  isAllDay?: boolean
  isCancelled?: boolean
  showAs?: string | null
  webLink?: string | null
  location?: { displayName?: string | null } | null
  organizer?: { emailAddress?: { name?: string; address?: string } } | null
  onlineMeeting?: { joinUrl?: string | null } | null
}

export const EVENT_SELECT = 'id,subject,start,end,isAllDay,isCancelled,showAs,webLink,location,organizer,onlineMeeting'

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

const When = Type.Union(
  [
    Type.Object({
      date_time: Type.String({ description: 'Local date and time, e.g. 2024-05-01T09:00:00.0000000.' }),
      time_zone: Type.String({ description: 'The zone date_time is in, e.g. UTC or Pacific Standard Time.' }),
    }),
    Type.Null(),
  ],
  { description: 'Null when Graph did not return it.' },
)

export const EventOutput = Type.Object({
  id: Type.String(),
  subject: Nullable(Type.String()),
  start: When,
  end: When,
  is_all_day: Type.Boolean(),
  is_cancelled: Type.Boolean(),
  show_as: Nullable(Type.String({ description: 'free, tentative, busy, oof, workingElsewhere or unknown.' })),
  location: Nullable(Type.String()),
  organizer_name: Nullable(Type.String()),
  organizer_address: Nullable(Type.String()),
  online_meeting_url: Nullable(Type.String({ description: 'The Teams (or other) join link, for online meetings.' })),
  web_link: Nullable(Type.String({ description: 'Opens the event in Outlook on the web.' })),
})

function when(w: GraphDateTime | null | undefined) {
  return w ? { date_time: w.dateTime, time_zone: w.timeZone } : null
}

export function eventOutput(e: GraphEvent) {
  return {
    id: e.id,
    subject: e.subject ?? null,
    start: when(e.start),
    end: when(e.end),
    is_all_day: e.isAllDay ?? false,
    is_cancelled: e.isCancelled ?? false,
    show_as: e.showAs ?? null,
    location: e.location?.displayName || null,
    organizer_name: e.organizer?.emailAddress?.name ?? null,
    organizer_address: e.organizer?.emailAddress?.address ?? null,
    online_meeting_url: e.onlineMeeting?.joinUrl ?? null,
    web_link: e.webLink ?? null,
  }
}

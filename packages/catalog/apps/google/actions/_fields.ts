// Dynamic fields shared by the Google actions:
// - calendars: GET /calendar/v3/users/me/calendarList (Calendar API, calendarList.list, maxResults ≤ 250,
//   pageToken paging), https://developers.google.com/workspace/calendar/api/v3/reference/calendarList/list
//   (needs https://www.googleapis.com/auth/calendar.readonly or calendar.calendarlist.readonly);
// - spreadsheets: GET /drive/v3/files with q mimeType = 'application/vnd.google-apps.spreadsheet' (Drive API,
//   files.list, pageSize ≤ 1000, pageToken paging), https://developers.google.com/workspace/drive/api/reference/rest/v3/files/list
//   (needs https://www.googleapis.com/auth/drive.metadata.readonly);
// - sheets (tabs) of a spreadsheet: GET /v4/spreadsheets/{id}?fields=sheets.properties (Sheets API,
//   spreadsheets.get), https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets/get.
import type { ActionOption, FieldOptionsContext } from '../../../src/define-action.js'
import { driveQueryString } from './_google.js'
import { sheetsPath } from './_sheets.js'

type Options = Promise<{ options: ActionOption[]; nextCursor: string | null }>

export async function calendarOptions(ctx: FieldOptionsContext<{ calendar_id?: string }>): Options {
  const res = await ctx.http.get<{
    items?: { id: string; summary?: string; summaryOverride?: string; primary?: boolean }[]
    nextPageToken?: string
  }>('/calendar/v3/users/me/calendarList', { maxResults: 250, ...(ctx.cursor ? { pageToken: ctx.cursor } : {}) })
  return {
    options: (res.data.items ?? []).map((c) => ({ label: c.summaryOverride ?? c.summary ?? c.id, value: c.id })),
    nextCursor: res.data.nextPageToken ?? null,
  }
}

export async function spreadsheetOptions(ctx: FieldOptionsContext<{ spreadsheet_id?: string }>): Options {
  const filters = ["mimeType = 'application/vnd.google-apps.spreadsheet'", 'trashed = false']
  const typed = ctx.query?.trim()
  if (typed) filters.push(`name contains ${driveQueryString(typed)}`)
  const res = await ctx.http.get<{ files?: { id: string; name: string }[]; nextPageToken?: string }>('/drive/v3/files', {
    q: filters.join(' and '),
    orderBy: 'modifiedTime desc',
    pageSize: 100,
    fields: 'nextPageToken,files(id,name)',
    ...(ctx.cursor ? { pageToken: ctx.cursor } : {}),
  })
  return { options: (res.data.files ?? []).map((f) => ({ label: f.name, value: f.id })), nextCursor: res.data.nextPageToken ?? null }
}

export async function sheetOptions(ctx: FieldOptionsContext<{ spreadsheet_id?: string }>): Options {
  const res = await ctx.http.request<{ sheets?: { properties: { sheetId: number; title: string } }[] }>({
    base: 'sheets',
    path: sheetsPath(ctx.inputs.spreadsheet_id ?? ''),
    query: { fields: 'sheets.properties' },
  })
  return { options: (res.data.sheets ?? []).map((s) => ({ label: s.properties.title, value: s.properties.title })), nextCursor: null }
}

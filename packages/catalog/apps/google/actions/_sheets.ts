// Sheets API v4 paths. The Sheets reference documents the API only at https://sheets.googleapis.com
// (e.g. POST https://sheets.googleapis.com/v4/spreadsheets/{spreadsheetId}/values/{range}:append,
// https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.values/append), while the
// app's api.base_url is https://www.googleapis.com: Sheets calls name the app's other base URL `sheets`
// (app.yaml api.base_urls), and the paths below are relative to it.

/** `/v4/spreadsheets/{spreadsheetId}`. */
export function sheetsPath(spreadsheetId: string): string {
  return `/v4/spreadsheets/${encodeURIComponent(spreadsheetId)}`
}

/**
 * An A1 range on one sheet (tab): the title quoted, quotes doubled (`'Q1 ''24'!A1:D10`), then `!cells` when
 * cells are given; the whole sheet otherwise.
 */
export function a1Range(sheet: string, cells?: string): string {
  const quoted = `'${sheet.replace(/'/g, "''")}'`
  return cells ? `${quoted}!${cells}` : quoted
}

/** `/v4/spreadsheets/{spreadsheetId}/values/{range}`, the range URL-encoded. */
export function valuesPath(spreadsheetId: string, range: string): string {
  return `${sheetsPath(spreadsheetId)}/values/${encodeURIComponent(range)}`
}

/** A spreadsheet ID as the docs describe it (the part of the URL between /d/ and /edit). */
export const SPREADSHEET_ID = '^[A-Za-z0-9_-]+$'

/** A cell range in A1 notation without a sheet name: A1:D10, A:C, 2:5, A5:A, B2. */
export const CELLS = '^([A-Za-z]{1,3}[0-9]{0,7}|[0-9]{1,7})(:([A-Za-z]{1,3}[0-9]{0,7}|[0-9]{1,7}))?$'

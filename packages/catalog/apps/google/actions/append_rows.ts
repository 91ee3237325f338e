// POST /v4/spreadsheets/{spreadsheetId}/values/{range}:append?valueInputOption=USER_ENTERED, from the Sheets
// API reference (spreadsheets.values.append):
// https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.values/append
// The range is the whole sheet (tab): Sheets finds the table on it and writes after its last row. Values are
// read as if typed into the UI (USER_ENTERED: "=SUM(A1:A3)" is a formula, "3/1/2024" a date).
// Documented at https://sheets.googleapis.com only: sent there through app.yaml's base_urls.sheets.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { sheetOptions, spreadsheetOptions } from './_fields.js'
import { google } from './_google.js'
import { a1Range, SPREADSHEET_ID, valuesPath } from './_sheets.js'

const Cell = Type.Union([Type.String(), Type.Number(), Type.Boolean()])

export default defineAction({
  key: 'append_rows',
  app: 'google',
  version: '1.0.0',
  type: 'write',
  title: 'Append rows to a sheet',
  description: 'Adds rows after the last row of data on a Google Sheets tab; values are read as if typed in (formulas, dates, numbers).',
  docs: 'https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.values/append',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['https://www.googleapis.com/auth/spreadsheets'],
  input: Type.Object({
    spreadsheet_id: Type.String({
      pattern: SPREADSHEET_ID,
      maxLength: 200,
      description: 'The ID in the spreadsheet URL, between /d/ and /edit.',
    }),
    sheet: Type.String({ minLength: 1, maxLength: 100, description: 'The sheet (tab) title, e.g. Sheet1.' }),
    rows: Type.Array(Type.Array(Cell, { maxItems: 18278 }), {
      minItems: 1,
      maxItems: 10000,
      description: 'Rows of cell values, e.g. [["Door", 15, true]].',
    }),
  }),
  output: Type.Object({
    spreadsheet_id: Type.String(),
    table_range: Type.Union([Type.String(), Type.Null()], { description: 'The table the rows were appended to, before the append (A1).' }),
    updated_range: Type.String({ description: 'Where the rows were written (A1), e.g. Sheet1!A6:D7.' }),
    updated_rows: Type.Integer(),
    updated_columns: Type.Integer(),
    updated_cells: Type.Integer(),
  }),
  fields: {
    spreadsheet_id: { searchable: true, options: spreadsheetOptions },
    sheet: { dependsOn: ['spreadsheet_id'], options: sheetOptions },
  },
  run: async (ctx, input) => {
    const res = await google(() =>
      ctx.http.request<{
        spreadsheetId: string
        tableRange?: string
        updates: { updatedRange: string; updatedRows?: number; updatedColumns?: number; updatedCells?: number }
      }>({
        method: 'POST',
        base: 'sheets',
        path: `${valuesPath(input.spreadsheet_id, a1Range(input.sheet))}:append`,
        query: { valueInputOption: 'USER_ENTERED' },
        json: { majorDimension: 'ROWS', values: input.rows },
      }),
    )
    const u = res.data.updates
    return {
      spreadsheet_id: res.data.spreadsheetId,
      table_range: res.data.tableRange ?? null,
      updated_range: u.updatedRange,
      updated_rows: u.updatedRows ?? 0,
      updated_columns: u.updatedColumns ?? 0,
      updated_cells: u.updatedCells ?? 0,
    }
  },
})

// GET /v4/spreadsheets/{spreadsheetId}/values/{range}, from the Sheets API reference (spreadsheets.values.get):
// https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.values/get
// Rows (majorDimension ROWS); trailing empty rows and cells are left out by the API.
// Documented at https://sheets.googleapis.com only: sent there through app.yaml's base_urls.sheets.
import { type Static, Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { sheetOptions, spreadsheetOptions } from './_fields.js'
import { google } from './_google.js'
import { a1Range, CELLS, SPREADSHEET_ID, valuesPath } from './_sheets.js'

const Cell = Type.Union([Type.String(), Type.Number(), Type.Boolean()])

export default defineAction({
  key: 'read_rows',
  app: 'google',
  version: '1.0.0',
  type: 'read',
  title: 'Read rows from a sheet',
  description: 'Reads the cell values of a Google Sheets tab, or of a range on it, row by row.',
  docs: 'https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.values/get',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['https://www.googleapis.com/auth/spreadsheets.readonly'],
  input: Type.Object({
    spreadsheet_id: Type.String({
      pattern: SPREADSHEET_ID,
      maxLength: 200,
      description: 'The ID in the spreadsheet URL, between /d/ and /edit.',
    }),
    sheet: Type.String({ minLength: 1, maxLength: 100, description: 'The sheet (tab) title, e.g. Sheet1.' }),
    range: Type.Optional(
      Type.String({ pattern: CELLS, maxLength: 30, description: 'Cells in A1 notation, e.g. A1:D10 or A:C (default: the whole sheet).' }),
    ),
    value_render: Type.Optional(
      Type.Union([Type.Literal('FORMATTED_VALUE'), Type.Literal('UNFORMATTED_VALUE'), Type.Literal('FORMULA')], {
        description: 'As shown in the UI (default), raw values, or formulas.',
      }),
    ),
  }),
  output: Type.Object({
    range: Type.String({ description: 'The range read (A1), e.g. Sheet1!A1:D5.' }),
    rows: Type.Array(Type.Array(Cell)),
  }),
  fields: {
    spreadsheet_id: { searchable: true, options: spreadsheetOptions },
    sheet: { dependsOn: ['spreadsheet_id'], options: sheetOptions },
  },
  run: async (ctx, input) => {
    const res = await google(() =>
      ctx.http.request<{ range: string; values?: Static<typeof Cell>[][] }>({
        base: 'sheets',
        path: valuesPath(input.spreadsheet_id, a1Range(input.sheet, input.range)),
        query: {
          majorDimension: 'ROWS',
          ...(input.value_render ? { valueRenderOption: input.value_render } : {}),
        },
      }),
    )
    return { range: res.data.range, rows: res.data.values ?? [] }
  },
})

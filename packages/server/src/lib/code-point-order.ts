/**
 * Orders strings by UTF-16 code units, as `<` compares them: the order the API's cursors page by.
 * `localeCompare` would put `a_b` before `a.b` (and `a_b` before `ab`), so a page that resumes after
 * a key with `>` could skip one; it also loads ICU's collation tables, about 1.5 MiB of resident
 * memory a process otherwise never touches (docs/operations.md, "Sizing").
 */
export const codePointOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

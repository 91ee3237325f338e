import { createHash } from 'node:crypto'

/**
 * The name of a PostgreSQL named prepared statement for an SQL text: one per text, so every use of the same
 * query on a connection reuses the statement that connection parsed. `prefix` tells the users apart in
 * `pg_prepared_statements` (`pb_t_`: query templates, `pb_r_`: the run engine).
 */
export const statementName = (prefix: string, sqlText: string): string =>
  `${prefix}${createHash('sha256').update(sqlText).digest('hex').slice(0, 24)}`

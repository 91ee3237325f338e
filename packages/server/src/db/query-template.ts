import type SqliteDatabase from 'better-sqlite3'
import type { Compilable, CompiledQuery } from 'kysely'
import type { PatchbayDatabase } from './database.js'
import { statementName } from './statement-name.js'

const MARK = '\u0000pb-slot:'

/**
 * A query built and compiled by Kysely once, with named slots where its values go: each use only
 * binds the values. On a hot read path, building and compiling a query costs more than running it
 * (docs/architecture.md, "The read path"), so templates skip both, and go past Kysely's executor:
 * - PostgreSQL: a named prepared statement (the server parses it once per connection and can keep a
 *   generic plan), as the token exchange's writes do;
 * - SQLite: the prepared statement called at once, unless a Kysely transaction holds the connection
 *   (then the query waits its turn through Kysely, and never reads another transaction's writes).
 *
 * `build` receives `slot(name)` and must use it for every value the query binds: a bound value
 * that is not a slot would be frozen into the template, so it is refused when the template is made.
 */
export class QueryTemplate<Row, Name extends string> {
  private readonly compiled: CompiledQuery<Row>
  private readonly order: Name[]
  /** The prepared-statement name on PostgreSQL: one per SQL text. */
  private readonly name: string
  private statement: SqliteDatabase.Statement | undefined

  constructor(
    private readonly database: PatchbayDatabase,
    build: (slot: (name: Name) => never) => Compilable<Row>,
  ) {
    this.compiled = build((name) => `${MARK}${name}` as never).compile()
    this.order = this.compiled.parameters.map((value) => {
      if (typeof value !== 'string' || !value.startsWith(MARK)) {
        throw new Error(`query template binds a value that is not a slot: ${this.compiled.sql}`)
      }
      return value.slice(MARK.length) as Name
    })
    this.name = statementName('pb_t_', this.compiled.sql)
  }

  /** The SQL text (the same for every use). */
  get sql(): string {
    return this.compiled.sql
  }

  /**
   * The rows as arrays of column values, in the order the query selects them: no object per row
   * (building one, property by property, cost more than the query on the listing's path).
   */
  async arrays(values: Record<Name, unknown>): Promise<unknown[][]> {
    const parameters = this.order.map((name) => {
      if (!(name in values)) throw new Error(`query template: no value for slot "${name}"`)
      return values[name]
    })
    const { pgPool, sqlite } = this.database
    if (pgPool)
      return (await pgPool.query<unknown[]>({ name: this.name, text: this.compiled.sql, values: parameters, rowMode: 'array' })).rows
    if (sqlite && !sqlite.inTransaction) {
      this.statement ??= sqlite.prepare(this.compiled.sql).raw(true)
      return this.statement.all(parameters) as unknown[][]
    }
    const { rows } = await this.database.db.executeQuery<Row>({ ...this.compiled, parameters })
    return rows.map((row) => Object.values(row as object) as unknown[])
  }
}

import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

// Recorded fixtures (docs/actions.md, "Fixtures"): the provider's documented request and answer pairs
// for one action, beside it as `<key>.fixtures.json`. A case gives inputs, the exchanges the action
// must make in order (each request checked, each answer replayed) and what the run must end with.

export interface FixtureRequest {
  method: string
  /** The app's other base URL the request goes to (`api.base_urls`), by name; absent: `api.base_url`. */
  base?: string
  /** Relative to the app's API base URL, as the action passes it to `ctx.http` (no query). */
  path: string
  /** Exactly the query the request carries (absent: none). */
  query?: Record<string, string>
  /** The JSON body (or a form body as an object); absent: no body. */
  body?: unknown
  /** Headers the request must carry (others are not checked). */
  headers?: Record<string, string>
}

export interface FixtureResponse {
  status: number
  headers?: Record<string, string>
  /** Sent as JSON unless a string (then as is, with the given content type). */
  body?: unknown
}

export interface FixtureExchange {
  request: FixtureRequest
  response: FixtureResponse
}

/** How the run ends: its output, or the error fields listed (others are not checked). */
export type FixtureExpectation =
  | { output: unknown }
  | {
      error: {
        type: string
        code?: string
        provider_status?: number
        retryable?: boolean
        retry_after?: number
        field?: string
        missing_scopes?: string[]
      }
    }

export interface FixtureCase {
  name: string
  inputs: Record<string, unknown>
  exchanges: FixtureExchange[]
  expect: FixtureExpectation
}

export interface ActionFixtures {
  /** `<app>.<key>`. */
  action: string
  /** Where the exchanges come from: the provider's reference page. */
  docs: string
  cases: FixtureCase[]
}

/** The fixtures file of a catalog action, if it has one. */
export function fixturesPath(appsDir: string, app: string, key: string): string {
  return join(appsDir, app, 'actions', `${key}.fixtures.json`)
}

export function readFixtures(path: string): ActionFixtures | undefined {
  if (!existsSync(path)) return undefined
  return JSON.parse(readFileSync(path, 'utf8')) as ActionFixtures
}

import { isDeepStrictEqual } from 'node:util'
import { Value } from '@sinclair/typebox/value'
import { actionFailure, type RunError } from '../action-errors.js'
import { decodeActionResponse, encodeActionRequest, httpVerbs } from '../action-request.js'
import type { ActionContext, ActionDefinition, ActionHttp } from '../define-action.js'
import { dryRunRequests } from '../dry-run.js'
import { startFixtureFake } from './fixture-fake.js'
import type { ActionFixtures, FixtureCase, FixtureRequest } from './fixtures.js'

// Replays an action's fixtures with no Patchbay server and no account (docs/actions.md, "Fixtures"):
// the action's own `run` calls a local fake that checks each request and answers as recorded. The
// engine's replay (the server's tests) runs the same files through the proxy and the run engine.

export interface CaseResult {
  name: string
  ok: boolean
  problems: string[]
  output?: unknown
  error?: RunError
}

const FIXTURE_TOKEN = 'fixture-access-token'
/** `ctx.idempotencyKey` in a replay: recorded requests that carry the key carry this value. */
export const FIXTURE_IDEMPOTENCY_KEY = 'fixture-idempotency-key'

function query(pathAndQuery: string): { path: string; query: Record<string, string> } {
  const url = new URL(pathAndQuery, 'http://fixture.invalid')
  return { path: url.pathname, query: Object.fromEntries(url.searchParams) }
}

function fixtureHttp(baseUrl: string, signal: AbortSignal): ActionHttp {
  return httpVerbs(async (req) => {
    const encoded = encodeActionRequest(req)
    const base = encoded.base === undefined ? baseUrl : `${baseUrl}/__base/${encoded.base}`
    // fetch sets content-length from the body itself. Given one too, Node 20's fetch fails with
    // "invalid content-length header" when the undici the server imports (v7) was loaded before
    // Node's own and became the global dispatcher (module load order decides, e.g. in the CLI).
    const { 'content-length': _length, ...sent } = encoded.headers
    const res = await fetch(`${base}${encoded.pathAndQuery}`, {
      method: encoded.method,
      headers: { ...sent, authorization: `Bearer ${FIXTURE_TOKEN}` },
      ...(encoded.body ? { body: new Uint8Array(encoded.body) } : {}),
      signal,
      // As the engine: a redirect is an answer, never followed.
      redirect: 'manual',
    })
    const headers: Record<string, string> = {}
    res.headers.forEach((value, name) => {
      headers[name] = value
    })
    return decodeActionResponse(encoded.method, query(encoded.pathAndQuery).path, res.status, headers, await res.text())
  })
}

function context(http: ActionHttp, signal: AbortSignal): ActionContext {
  return {
    http,
    signal,
    log: { info: () => {}, warn: () => {} },
    idempotencyKey: FIXTURE_IDEMPOTENCY_KEY,
    attempt: 1,
    connection: { id: 'conn_fixture', accountIdentifier: 'fixture-account', metadata: {} },
  }
}

/** Checks a case's ending against its expectation (shared with the engine's replay). */
export function expectationProblems(definition: ActionDefinition, c: FixtureCase, output: unknown, error: RunError | undefined): string[] {
  const problems: string[] = []
  if ('output' in c.expect) {
    if (error) problems.push(`failed (${error.type}/${error.code}: ${error.message}), expected an output`)
    else {
      if (!Value.Check(definition.output, output)) {
        const first = [...Value.Errors(definition.output, output)][0]
        problems.push(`output does not match the action's output schema at ${first?.path || '/'}: ${first?.message}`)
      }
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(output ?? null)), c.expect.output)) {
        problems.push(`output ${JSON.stringify(output)}, expected ${JSON.stringify(c.expect.output)}`)
      }
    }
  } else {
    if (!error) problems.push(`succeeded with ${JSON.stringify(output)}, expected an error`)
    else {
      for (const [name, value] of Object.entries(c.expect.error)) {
        const got = (error as unknown as Record<string, unknown>)[name]
        if (!isDeepStrictEqual(got, value)) problems.push(`error ${name} is ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`)
      }
    }
  }
  return problems
}

/** The requests a write case sends (what its dry run must show): its exchanges that are not GETs. */
export function writesOf(c: FixtureCase): FixtureRequest[] {
  return c.exchanges.map((e) => e.request).filter((r) => r.method.toUpperCase() !== 'GET')
}

/** A dry run's requests as a fixture states them, for comparing with {@link writesOf}. */
export async function dryRunAsFixture(definition: ActionDefinition, inputs: Record<string, unknown>): Promise<FixtureRequest[]> {
  const ctx = context(fixtureHttp('http://fixture.invalid', new AbortController().signal), new AbortController().signal)
  const { http: _http, ...rest } = ctx
  const requests = await dryRunRequests(definition, rest, inputs)
  return requests.map((r) => {
    const encoded = encodeActionRequest(r)
    const { path, query: q } = query(encoded.pathAndQuery)
    const body = r.json !== undefined ? (JSON.parse(JSON.stringify(r.json)) as unknown) : r.form
    return {
      method: encoded.method,
      ...(encoded.base !== undefined ? { base: encoded.base } : {}),
      path,
      ...(Object.keys(q).length > 0 ? { query: q } : {}),
      ...(body !== undefined ? { body } : {}),
    }
  })
}

function sameRequest(a: FixtureRequest, b: FixtureRequest): boolean {
  return (
    a.method.toUpperCase() === b.method.toUpperCase() &&
    a.base === b.base &&
    a.path === b.path &&
    isDeepStrictEqual(a.query ?? {}, b.query ?? {}) &&
    isDeepStrictEqual(a.body, b.body)
  )
}

/**
 * Runs every case of `fixtures` against `definition`; for a write action, also checks that the dry run
 * of its first succeeding case shows exactly the writes that case sends. Never throws for a failing case.
 */
export async function replayFixtures(definition: ActionDefinition, fixtures: ActionFixtures): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  const fake = await startFixtureFake()
  try {
    for (const c of fixtures.cases) {
      const problems: string[] = []
      if (!Value.Check(definition.input, c.inputs)) {
        const first = [...Value.Errors(definition.input, c.inputs)][0]
        results.push({
          name: c.name,
          ok: false,
          problems: [`inputs do not match the input schema at ${first?.path || '/'}: ${first?.message}`],
        })
        continue
      }
      fake.play(c.exchanges)
      const signal = AbortSignal.timeout(definition.timeoutMs ?? 30_000)
      let output: unknown
      let error: RunError | undefined
      try {
        output = await definition.run(context(fixtureHttp(fake.url, signal), signal), c.inputs as never)
      } catch (err) {
        error = actionFailure(err)?.error ?? {
          type: 'internal',
          code: 'action_failed',
          message: `the action threw: ${(err as Error)?.message ?? String(err)}`,
          retryable: false,
          attribution: 'patchbay',
        }
      }
      problems.push(...fake.problems())
      if (fake.remaining() > 0) problems.push(`${fake.remaining()} expected request(s) not made`)
      problems.push(...expectationProblems(definition, c, output, error))
      results.push({ name: c.name, ok: problems.length === 0, problems, ...(error ? { error } : { output }) })
    }
    const successes = definition.type === 'write' ? fixtures.cases.filter((c) => 'output' in c.expect) : []
    for (const success of successes) {
      const name = `dry run of "${success.name}"`
      try {
        const shown = await dryRunAsFixture(definition, success.inputs)
        const sent = writesOf(success)
        const ok = shown.length === sent.length && shown.every((r, i) => sameRequest(r, sent[i] as FixtureRequest))
        results.push({
          name,
          ok,
          problems: ok ? [] : [`the dry run shows ${JSON.stringify(shown)}, the case sends ${JSON.stringify(sent)}`],
        })
      } catch (err) {
        results.push({ name, ok: false, problems: [`the dry run threw: ${(err as Error).message}`] })
      }
    }
  } finally {
    await fake.close()
  }
  return results
}

import type { ActionContext, ActionDefinition, ActionHttpRequest } from './define-action.js'
import { httpVerbs } from './action-request.js'

// What a dry run would send (docs/actions.md, "Dry runs"): the action's `preview` when it has one (its
// writes come after reads, which a dry run cannot make), else its `run` stopped at its first request.

/** Thrown by a dry run's `ctx.http` once it has recorded the first request. */
export class DryRunStop extends Error {
  override name = 'DryRunStop'
  constructor(readonly request: ActionHttpRequest) {
    super('a dry run sends nothing')
  }
}

export async function dryRunRequests(
  definition: ActionDefinition,
  ctx: Omit<ActionContext, 'http'>,
  input: Record<string, unknown>,
): Promise<ActionHttpRequest[]> {
  if (definition.preview) return (await definition.preview(ctx, input as never)).requests
  // The first request is kept whatever the action does with the stop (an action that catches every
  // error and answers something else still shows what it would have sent).
  let first: ActionHttpRequest | undefined
  const http = httpVerbs(async (request) => {
    first ??= request
    throw new DryRunStop(request)
  })
  try {
    await definition.run({ ...ctx, http }, input as never)
  } catch (err) {
    if (first === undefined) throw err
  }
  return first ? [first] : []
}

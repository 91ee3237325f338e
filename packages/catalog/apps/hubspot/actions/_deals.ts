// Shared by the HubSpot deal actions: the pipeline and stage pickers, from GET /crm/v3/pipelines/deals
// in HubSpot's CRM API reference ("Pipelines", https://developers.hubspot.com/docs/api/crm/pipelines).
// The answer is {results: [{id, label, displayOrder, archived, stages: [{id, label, displayOrder,
// archived, metadata}]}]}, every pipeline of the account at once (no paging). A deal takes the
// internal IDs of its pipeline and stage (e.g. "default" and "appointmentscheduled"), not the labels
// (https://developers.hubspot.com/docs/api/crm/deals).
import type { ActionOption, FieldOptionsContext } from '../../../src/define-action.js'

interface Stage {
  id: string
  label: string
  displayOrder?: number
  archived?: boolean
}

interface Pipeline extends Stage {
  stages?: Stage[]
}

function ordered(items: Stage[]): ActionOption[] {
  return items
    .filter((i) => !i.archived)
    .sort((a, b) => (a.displayOrder ?? 0) - (b.displayOrder ?? 0))
    .map((i) => ({ label: i.label, value: i.id }))
}

async function pipelines(ctx: FieldOptionsContext<object>): Promise<Pipeline[]> {
  return (await ctx.http.get<{ results: Pipeline[] }>('/crm/v3/pipelines/deals')).data.results
}

export async function pipelineOptions(
  ctx: FieldOptionsContext<{ pipeline?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: null }> {
  return { options: ordered(await pipelines(ctx)), nextCursor: null }
}

/** The stages of the chosen pipeline. */
export async function dealStageOptions(
  ctx: FieldOptionsContext<{ pipeline?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: null }> {
  const pipeline = (await pipelines(ctx)).find((p) => p.id === ctx.inputs.pipeline)
  return { options: ordered(pipeline?.stages ?? []), nextCursor: null }
}

// Shared by the HubSpot contact actions (CRM API v3).
// A CRM record is {id, properties (values as strings or null), createdAt, updatedAt, archived}
// (https://developers.hubspot.com/docs/api/crm/contacts). The lifecycle stage picker reads the
// property definition, GET /crm/v3/properties/contacts/lifecyclestage, whose `options` are
// {label, value, displayOrder, hidden} ("Read a property",
// https://developers.hubspot.com/docs/api-reference/crm-properties-v3/core/get-crm-v3-properties-objectType-propertyName);
// a contact's `lifecyclestage` takes the option's internal value, not its label.
import type { ActionOption, FieldOptionsContext } from '../../../src/define-action.js'

export interface HubSpotRecord {
  id: string
  properties: Record<string, string | null>
  createdAt: string
  updatedAt: string
  archived?: boolean
}

interface PropertyDefinition {
  name: string
  options?: { label: string; value: string; displayOrder?: number; hidden?: boolean }[]
}

export async function lifecycleStageOptions(ctx: FieldOptionsContext<object>): Promise<{ options: ActionOption[]; nextCursor: null }> {
  const res = await ctx.http.get<PropertyDefinition>('/crm/v3/properties/contacts/lifecyclestage')
  const options = (res.data.options ?? [])
    .filter((o) => !o.hidden)
    .sort((a, b) => (a.displayOrder ?? 0) - (b.displayOrder ?? 0))
    .map((o) => ({ label: o.label, value: o.value }))
  return { options, nextCursor: null }
}

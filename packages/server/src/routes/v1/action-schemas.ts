import { Type } from '@sinclair/typebox'
import { ref } from '../../lib/schema-ref.js'

/** Schemas of `/v1/actions` and `/v1/runs` (docs/actions.md): validation and the OpenAPI document come from them. */

export const ActionId = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,63}\\.[a-z][a-z0-9_]{0,62}$',
  description: '`<app>.<key>`, e.g. `github.create_issue`.',
})
const Annotations = Type.Object({ readOnly: Type.Boolean(), destructive: Type.Boolean(), idempotent: Type.Boolean() })
const ActionTypeSchema = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('search')])

const summaryProperties = {
  id: Type.String(),
  app: Type.String(),
  key: Type.String(),
  version: Type.String({ description: 'Semantic version.' }),
  type: ActionTypeSchema,
  title: Type.String(),
  description: Type.String(),
  annotations: Annotations,
}

export const ActionSummary = Type.Object(summaryProperties, { $id: 'ActionSummary', description: 'An action, in a list.' })
export const ActionPage = Type.Object(
  {
    data: Type.Array(ref(ActionSummary)),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { $id: 'ActionPage', description: 'A page of actions, by id.' },
)

export const ActionDetail = Type.Object(
  {
    ...summaryProperties,
    scopes: Type.Array(Type.String()),
    timeout_ms: Type.Integer(),
    dry_run: Type.Boolean({ description: 'The action can say what it would send (`dry_run: true` on a run); true for every action.' }),
    docs_url: Type.Union([Type.String(), Type.Null()], { description: "The provider's API reference for what the action calls." }),
    input_schema: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema 2020-12 of `inputs`.' }),
    output_schema: Type.Record(Type.String(), Type.Unknown(), { description: "JSON Schema 2020-12 of a succeeded run's `output`." }),
    fields: Type.Record(
      Type.String(),
      Type.Object({
        dynamic: Type.Boolean({
          description: 'Choices come from POST /v1/actions/{id}/fields/{field}/options; a typed value is accepted too.',
        }),
        searchable: Type.Boolean(),
        depends_on: Type.Array(Type.String()),
      }),
      { description: 'UI hints per input field.' },
    ),
    dynamic_input: Type.Union(
      [
        Type.Object({
          field: Type.String({ description: 'The input object whose properties depend on the account.' }),
          depends_on: Type.Array(Type.String()),
        }),
        Type.Null(),
      ],
      { description: 'Describe `field` for a connection with POST /v1/actions/{id}/schema; any object is accepted without it.' },
    ),
  },
  { $id: 'Action', description: 'An action with its input and output schemas and field hints.' },
)

export const ConnectionIdBody = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "One of the end user's connections of the action's app.",
})
const Inputs = Type.Record(Type.String(), Type.Unknown(), { description: "Inputs as the action's input_schema says." })

export const OptionsBody = Type.Object(
  {
    connection_id: ConnectionIdBody,
    inputs: Type.Optional(Inputs),
    query: Type.Optional(Type.String({ maxLength: 200, description: 'What the user typed (searchable fields).' })),
    cursor: Type.Optional(Type.String({ maxLength: 1024, description: '`next_cursor` of the previous page.' })),
  },
  { additionalProperties: false },
)
export const OptionsPage = Type.Object(
  {
    options: Type.Array(Type.Object({ label: Type.String(), value: Type.Union([Type.String(), Type.Number()]) })),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { $id: 'FieldOptionsPage', description: "A page of a dynamic field's choices." },
)

export const SchemaBody = Type.Object({ connection_id: ConnectionIdBody, inputs: Type.Optional(Inputs) }, { additionalProperties: false })
export const DynamicSchemaAnswer = Type.Object(
  {
    field: Type.String(),
    schema: Type.Record(Type.String(), Type.Unknown(), {
      description: "JSON Schema 2020-12 of the field's object: one property per field of the account.",
    }),
  },
  { $id: 'DynamicInputSchema', description: "The fields of an action's dynamic input for one connection." },
)

export const ValidateBody = Type.Object({ connection_id: ConnectionIdBody, inputs: Inputs }, { additionalProperties: false })
export const Validation = Type.Object(
  {
    valid: Type.Boolean(),
    errors: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
    connection: Type.Object({ id: Type.String(), status: Type.String(), missing_scopes: Type.Array(Type.String()) }),
  },
  { $id: 'InputValidation', description: 'What is wrong with the inputs, and the state of the connection.' },
)

export const RunStatusSchema = Type.Union(
  ['queued', 'running', 'waiting', 'succeeded', 'failed', 'canceled', 'timed_out', 'requires_action'].map((s) => Type.Literal(s)),
)

export const RunError = Type.Object(
  {
    type: Type.Union(
      ['validation', 'auth', 'permission', 'not_found', 'rate_limited', 'provider', 'timeout', 'internal'].map((s) => Type.Literal(s)),
    ),
    code: Type.String(),
    message: Type.String(),
    retryable: Type.Boolean(),
    retry_after: Type.Optional(Type.Integer({ description: 'Seconds, when the app said when to come back.' })),
    provider_status: Type.Optional(Type.Integer()),
    field: Type.Optional(Type.String({ description: 'validation: the field the app refused, as the app names it.' })),
    missing_scopes: Type.Optional(
      Type.Array(Type.String(), { description: 'permission: the scopes the connection lacks for this call, when the app says which.' }),
    ),
    attribution: Type.Union(['user', 'connection', 'provider', 'patchbay'].map((s) => Type.Literal(s))),
    connect_url: Type.Optional(
      Type.String({ description: 'requires_action: a Connect UI link that reconnects the connection (minted on read).' }),
    ),
    connect_url_expires_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'RunError', description: 'Why a run failed (docs/actions.md, "Errors").' },
)

export const Run = Type.Object(
  {
    id: Type.String(),
    action: Type.String(),
    action_version: Type.String(),
    app: Type.String(),
    connection_id: Type.String(),
    status: RunStatusSchema,
    attempt: Type.Integer({ description: 'Attempts started so far.' }),
    inputs: Type.Optional(Inputs),
    output: Type.Unknown({ description: "The action's result once succeeded (for a dry run: what would be sent)." }),
    error: Type.Union([ref(RunError), Type.Null()]),
    metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    idempotency_key: Type.Union([Type.String(), Type.Null()]),
    dry_run: Type.Boolean(),
    output_truncated: Type.Boolean({ description: 'The output was over runs.maxOutputBytes: its longest lists were cut.' }),
    retry_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Run', description: 'An action run.' },
)

export const RunPage = Type.Object(
  {
    data: Type.Array(ref(Run)),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { $id: 'RunPage', description: 'A page of runs, newest first.' },
)

export const WaitQuery = Type.Integer({
  minimum: 0,
  maximum: 999_999,
  description: 'Long poll: wait up to this many ms for the run to end (at most runs.maxWaitMs).',
})

export const CreateRunBody = Type.Object(
  {
    action: ActionId,
    version: Type.Optional(Type.String({ maxLength: 32, description: 'The version (or major) the caller was written for.' })),
    connection_id: ConnectionIdBody,
    inputs: Inputs,
    wait_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 120_000,
        description: 'Answer 200 with the finished run if it ends within this time, else 202.',
      }),
    ),
    timeout_ms: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 900_000, description: "Per attempt; at most the action's own timeout." }),
    ),
    dry_run: Type.Optional(
      Type.Boolean({ description: 'Check inputs and credentials and say which HTTP requests would be sent; send none.' }),
    ),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Kept with the run, returned as is.' })),
    webhook: Type.Optional(Type.Boolean({ description: 'Send run.* webhooks for this run (default true).' })),
  },
  { additionalProperties: false },
)

export const RunLogs = Type.Object(
  {
    data: Type.Array(
      Type.Object({
        seq: Type.Integer(),
        attempt: Type.Integer(),
        kind: Type.Union([Type.Literal('http'), Type.Literal('log')]),
        level: Type.String(),
        message: Type.String(),
        data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
        created_at: Type.String({ format: 'date-time' }),
      }),
    ),
  },
  { $id: 'RunLogs', description: "A run's HTTP exchanges with the app (redacted) and the action's own lines." },
)

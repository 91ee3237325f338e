// The benchmark's action (bench/runs.mjs), loaded by Patchbay through `actionModules`: it does
// nothing, so a run's figure is Patchbay's own cost (API, run row, job, claim, end, webhook outbox).
import { Type } from '@sinclair/typebox'

export default {
  key: 'noop',
  app: 'benchapi',
  version: '1.0.0',
  type: 'read',
  title: 'Do nothing',
  description: 'Returns at once.',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({ n: Type.Optional(Type.Integer()) }),
  output: Type.Object({}),
  run: async () => ({}),
}

/**
 * The demo's actions, on Acme Status (its API is the tiny one in apps.mjs): a read and a write with a dynamic
 * field, given to Patchbay with `startServer(config, { actions })` (docs/actions.md, "Writing an action").
 */
import { Type } from '@sinclair/typebox'

const Monitor = Type.Object({ id: Type.String(), name: Type.String(), status: Type.String() })

export const demoActions = [
  {
    key: 'list_monitors',
    app: 'acme-status',
    version: '1.0.0',
    type: 'read',
    title: 'List monitors',
    description: 'The uptime monitors of the Acme Status account.',
    annotations: { readOnly: true, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({}),
    output: Type.Object({ monitors: Type.Array(Monitor) }),
    run: async (ctx) => ({ monitors: (await ctx.http.get('/monitors')).data.monitors }),
  },
  {
    key: 'create_incident',
    app: 'acme-status',
    version: '1.0.0',
    type: 'write',
    title: 'Open an incident',
    description: 'Opens an incident on a monitor, shown on its status page.',
    annotations: { readOnly: false, destructive: false, idempotent: false },
    scopes: [],
    input: Type.Object({
      monitor: Type.String({ minLength: 1, description: 'Monitor id (choices from the account).' }),
      title: Type.String({ minLength: 1, maxLength: 120 }),
    }),
    output: Type.Object({ id: Type.String(), monitor: Type.String(), title: Type.String(), status: Type.String() }),
    fields: {
      monitor: {
        options: async ({ http }) => ({
          options: (await http.get('/monitors')).data.monitors.map((m) => ({ label: `${m.name} (${m.status})`, value: m.id })),
        }),
      },
    },
    // The Acme Status API takes an idempotency key: a retried request never opens a second incident.
    run: async (ctx, input) =>
      (await ctx.http.request({ method: 'POST', path: '/incidents', headers: { 'idempotency-key': ctx.idempotencyKey }, json: input }))
        .data,
  },
]

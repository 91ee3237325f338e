import { ActionError, defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { type Patchbay, PatchbayError, type PatchbayUser, verifyWebhook } from '../src/index.js'
import { GOOD_STRIPE_KEY, type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

// Two actions on the local Stripe stand-in (GET /v1/account), written for this test.
const actions = [
  defineAction({
    key: 'get_account',
    app: 'fakestripe',
    version: '1.0.0',
    type: 'read',
    title: 'Get the account',
    description: 'Reads the Stripe account.',
    annotations: { readOnly: true, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({ label: Type.Optional(Type.String()), extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
    output: Type.Object({ email: Type.String() }),
    dynamicInput: {
      field: 'extra',
      dependsOn: [],
      schema: async ({ http }) => {
        const account = await http.get<{ email: string }>('/account')
        return { type: 'object', properties: { owner: { type: 'string', default: account.data.email } } }
      },
    },
    run: async (ctx) => ({ email: (await ctx.http.get<{ email: string }>('/account')).data.email }),
  }),
  defineAction({
    key: 'refuse',
    app: 'fakestripe',
    version: '1.0.0',
    type: 'write',
    title: 'Always refused',
    description: 'Fails with its own error.',
    annotations: { readOnly: false, destructive: false, idempotent: false },
    scopes: [],
    input: Type.Object({}),
    output: Type.Object({}),
    run: async () => {
      throw new ActionError({ type: 'validation', code: 'not_allowed', message: 'this account cannot do that' })
    },
  }),
]

describe.each(databaseTargets)('user.actions and user.runs against the server ($name)', (target) => {
  let s: SdkSetup
  let patchbay: Patchbay
  let user: PatchbayUser
  let connectionId: string

  beforeAll(async () => {
    s = await startSdkSetup(target, { 'webhooks.dispatch': true }, actions as never)
    ;({ patchbay } = s.sdk())
    user = patchbay.forUser({ userId: 'alice', tenantId: 'org-1' })
    connectionId = (await user.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } })).id
  })
  afterAll(() => s?.close())

  it('lists, describes and validates actions', async () => {
    const list = await user.actions.list({ app: 'fakestripe' })
    expect(list.data.map((a) => a.id)).toEqual(['fakestripe.get_account', 'fakestripe.refuse'])
    const action = await user.actions.get('fakestripe.get_account')
    expect(action.output_schema).toMatchObject({ type: 'object', required: ['email'] })
    expect(action.dynamic_input).toEqual({ field: 'extra', depends_on: [] })
    const described = await user.actions.schema('fakestripe.get_account', { connectionId })
    expect(described.field).toBe('extra')
    expect(described.schema).toMatchObject({
      type: 'object',
      properties: { owner: { type: 'string', default: expect.stringContaining('@') } },
    })
    const validation = await user.actions.validate('fakestripe.get_account', { connectionId, inputs: { label: 3 } })
    expect(validation.valid).toBe(false)
  })

  it('creates a run with an idempotency key and waits for it; the same key gives the same run', async () => {
    const run = await user.runs.create<{ email: string }>({
      action: 'fakestripe.get_account',
      connectionId,
      inputs: {},
      idempotencyKey: 'sdk-1',
      wait: 10_000,
    })
    expect(run).toMatchObject({ status: 'succeeded', output: { email: 'billing@acme.test' }, idempotency_key: 'sdk-1' })
    const again = await user.runs.create({ action: 'fakestripe.get_account', connectionId, inputs: {}, idempotencyKey: 'sdk-1' })
    expect(again.id).toBe(run.id)
    const conflict = await user.runs
      .create({ action: 'fakestripe.get_account', connectionId, inputs: { label: 'x' }, idempotencyKey: 'sdk-1' })
      .catch((e: unknown) => e)
    expect(conflict).toBeInstanceOf(PatchbayError)
    expect((conflict as PatchbayError).code).toBe('PB_ERR_CONFLICT')
    expect((await user.runs.list({ action: 'fakestripe.get_account' })).data.map((r) => r.id)).toContain(run.id)
    expect((await user.runs.logs(run.id)).data.some((l) => l.kind === 'http')).toBe(true)
  })

  it("polls a run to its end with runs.wait and reports the action's typed error", async () => {
    const queued = await user.runs.create({ action: 'fakestripe.refuse', connectionId, inputs: {} })
    const done = await user.runs.wait(queued.id)
    expect(done).toMatchObject({
      status: 'failed',
      error: { type: 'validation', code: 'not_allowed', retryable: false, attribution: 'user' },
    })
  })

  it('sends run.succeeded and run.failed webhooks that standardwebhooks and verifyWebhook both verify', async () => {
    const ok = await user.runs.create({ action: 'fakestripe.get_account', connectionId, inputs: { label: 'hook' }, wait: 10_000 })
    const quiet = await user.runs.create({
      action: 'fakestripe.get_account',
      connectionId,
      inputs: { label: 'quiet' },
      wait: 10_000,
      webhook: false,
    })
    const deadline = Date.now() + 10_000
    let hit: ReturnType<SdkSetup['receiver']['hits']>[number] | undefined
    while (!hit && Date.now() < deadline) {
      hit = s.receiver.hits().find((h) => h.body.includes(ok.id))
      if (!hit) await new Promise((r) => setTimeout(r, 20))
    }
    expect(hit).toBeDefined()
    const headers = hit?.headers as Record<string, string>
    const payload = new Webhook(s.webhookSecret).verify(hit?.body ?? '', headers) as {
      type: string
      data: { run: { id: string; status: string } }
    }
    expect(payload.type).toBe('run.succeeded')
    const event = verifyWebhook(s.webhookSecret, headers, hit?.body ?? '')
    expect(event.type).toBe('run.succeeded')
    if (event.type === 'run.succeeded') {
      expect(event.data.run).toMatchObject({ id: ok.id, status: 'succeeded', output: { email: 'billing@acme.test' } })
      expect(event.data.run.inputs).toBeUndefined()
      expect(event.data.end_user).toEqual({ tenant_id: 'org-1', user_id: 'alice' })
    }
    expect(s.receiver.hits().some((h) => h.body.includes(quiet.id))).toBe(false)
    // The refused run of the test before: its run.failed event arrives too.
    while (!s.receiver.hits().some((h) => h.body.includes('"run.failed"')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    expect(s.receiver.hits().some((h) => h.body.includes('"run.failed"'))).toBe(true)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { PatchbayError } from '../src/index.js'
import { GOOD_STRIPE_KEY, type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

describe.each(databaseTargets)('user.connectLinks ($name)', (target) => {
  let s: SdkSetup

  beforeAll(async () => {
    s = await startSdkSetup(target)
  })
  afterAll(() => s?.close())

  it('creates, opens once, lists, gets and revokes links', async () => {
    const { patchbay } = s.sdk()
    const user = patchbay.forUser({ userId: 'link-sdk', tenantId: 'org-1' })
    const created = await user.connectLinks.create({ apps: ['fakestripe'], expiresIn: 3600, customState: 'x' })
    expect(created.url).toMatch(new RegExp(`^${s.t.url}/link\\?token=pbcl_`))
    expect(created.link).toMatchObject({ status: 'pending', apps: ['fakestripe'], custom_state: 'x' })

    const opened = await fetch(created.url, { redirect: 'manual' })
    expect(opened.status).toBe(303)
    expect(opened.headers.get('location')).toMatch(/^\/connect\/cs_[A-Za-z0-9_-]+\/fakestripe$/)
    expect((await fetch(created.url, { redirect: 'manual' })).status).toBe(410)
    expect(await user.connectLinks.get(created.link.id)).toMatchObject({ status: 'used', outcome: null })

    const pending = await user.connectLinks.create()
    const listed = []
    for await (const link of user.connectLinks.listAll({ status: 'pending' })) listed.push(link.id)
    expect(listed).toEqual([pending.link.id])
    expect(await user.connectLinks.revoke(pending.link.id)).toMatchObject({ status: 'revoked' })
    expect((await user.connectLinks.list({ status: 'revoked' })).data.map((l) => l.id)).toEqual([pending.link.id])

    const err = await patchbay
      .forUser({ userId: 'someone-else', tenantId: 'org-1' })
      .connectLinks.get(created.link.id)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PatchbayError)
    expect(err).toMatchObject({ code: 'PB_ERR_NOT_FOUND', status: 404 })
  })

  it('throws TypeError on bad options before sending anything', async () => {
    const { patchbay, requests } = s.sdk()
    const user = patchbay.forUser({ userId: 'link-sdk-bad', tenantId: 'org-1' })
    await expect(user.connectLinks.create({ expiresIn: 1.5 })).rejects.toThrow(/options\.expiresIn/)
    await expect(user.connectLinks.create({ apps: 'fakestripe' as never })).rejects.toThrow(/options\.apps/)
    expect(requests).toEqual([])
  })
})

describe.each(databaseTargets)('headless connect in the SDK ($name)', (target) => {
  let s: SdkSetup

  beforeAll(async () => {
    s = await startSdkSetup(target)
  })
  afterAll(() => s?.close())

  it('submits credentials for a session and reads its status; authorize refuses an app without OAuth', async () => {
    const { patchbay } = s.sdk()
    const user = patchbay.forUser({ userId: 'headless-sdk', tenantId: 'org-1' })
    const session = await user.createConnectSession({ apps: ['fakestripe'] })
    expect(await user.getConnectSession(session.sessionId)).toMatchObject({ status: 'pending' })
    const refused = await user.authorizeConnectSession({ token: session.token, app: 'fakestripe' }).catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'PB_ERR_VALIDATION', status: 400 })
    const done = await user.submitConnectSessionCredentials({
      token: session.token,
      app: 'fakestripe',
      credentials: { api_key: GOOD_STRIPE_KEY },
    })
    expect(done).toMatchObject({ status: 'success', session_id: session.sessionId })
    expect(await user.getConnectSession(session.sessionId)).toMatchObject({ status: 'success', connection_id: done.connection_id })
    expect((await user.connections.get(done.connection_id as string)).app).toBe('fakestripe')
  })
})

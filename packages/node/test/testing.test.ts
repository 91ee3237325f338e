import { defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { type ActionFixtures, replayFixtures } from '../src/testing.js'

// `@patchbay/node/testing` in a partner's own test suite: an action of theirs against recorded fixtures.

const addNote = defineAction({
  key: 'add_note',
  app: 'crm',
  version: '1.0.0',
  type: 'write',
  title: 'Add a note',
  description: 'Adds a note to a contact.',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: [],
  input: Type.Object({ contact: Type.String(), text: Type.String() }),
  output: Type.Object({ id: Type.String() }),
  run: async (ctx, input) => {
    const res = await ctx.http.request<{ note: { id: string } }>({
      method: 'POST',
      path: `/contacts/${encodeURIComponent(input.contact)}/notes`,
      query: { notify: false },
      json: { text: input.text },
    })
    return { id: res.data.note.id }
  },
})

const fixtures = (noteId: string): ActionFixtures => ({
  action: 'crm.add_note',
  docs: 'https://crm.example/docs/notes',
  cases: [
    {
      name: 'adds a note',
      inputs: { contact: 'c 1', text: 'Called back' },
      exchanges: [
        {
          request: { method: 'POST', path: '/contacts/c%201/notes', query: { notify: 'false' }, body: { text: 'Called back' } },
          response: { status: 201, body: { note: { id: noteId } } },
        },
      ],
      expect: { output: { id: 'n_1' } },
    },
    {
      name: 'an unknown contact is not found',
      inputs: { contact: 'nobody', text: 'Hi' },
      exchanges: [
        {
          request: { method: 'POST', path: '/contacts/nobody/notes', query: { notify: 'false' }, body: { text: 'Hi' } },
          response: { status: 404, body: { message: 'no such contact' } },
        },
      ],
      expect: { error: { type: 'not_found', code: 'provider_not_found', provider_status: 404 } },
    },
  ],
})

describe('@patchbay/node/testing', () => {
  it('replays fixtures: every case, and the dry run of a write', async () => {
    const results = await replayFixtures(addNote, fixtures('n_1'))
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['adds a note', true],
      ['an unknown contact is not found', true],
      ['dry run of "adds a note"', true],
    ])
  })

  it('says what differs when the action does not do what the fixtures recorded', async () => {
    const results = await replayFixtures(addNote, fixtures('n_2'))
    expect(results[0]).toMatchObject({ ok: false, problems: ['output {"id":"n_2"}, expected {"id":"n_1"}'] })
    const wrongPath = fixtures('n_1')
    ;(wrongPath.cases[1] as { exchanges: { request: { path: string } }[] }).exchanges[0]!.request.path = '/people/nobody/notes'
    const [, second] = await replayFixtures(addNote, wrongPath)
    expect(second?.ok).toBe(false)
    expect(second?.problems[0]).toBe('expected POST /people/nobody/notes, got POST /contacts/nobody/notes')
  })
})

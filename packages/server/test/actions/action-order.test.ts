import { describe, expect, it } from 'vitest'
import { ActionRegistry, type LoadedAction } from '../../src/actions/action-registry.js'

// GET /v1/actions pages with a cursor that resumes after the last id, compared with `>`
// (src/actions/action-service.ts): the registry must list ids in that same order, or a page skips one.
describe('the action registry order', () => {
  const ids = ['tasks.a_b', 'tasks.a1', 'tasks.ab', 'tasks.a', 'task_list.get', 'tasks.get', 'task.get']
  const registry = new ActionRegistry(ids.map((id) => ({ id }) as LoadedAction))

  it('lists ids in code-point order, the order the cursor compares by', () => {
    const listed = registry.list().map((a) => a.id)
    expect(listed).toEqual(['task.get', 'task_list.get', 'tasks.a', 'tasks.a1', 'tasks.a_b', 'tasks.ab', 'tasks.get'])
    for (let i = 1; i < listed.length; i++) expect(listed[i - 1]! < listed[i]!).toBe(true)
  })

  it('a walk one id at a time, resuming after the last id seen, meets every action', () => {
    const seen: string[] = []
    let after: string | undefined
    for (;;) {
      const next = registry.list().find((a) => after === undefined || a.id > after)
      if (!next) break
      seen.push(next.id)
      after = next.id
    }
    expect(seen.sort()).toEqual([...ids].sort())
  })
})

import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// `patchbay actions test` as a partner runs it: no server, no database, no account.

const run = promisify(execFile)
const cli = new URL('../../dist/cli.js', import.meta.url).pathname
const customModule = new URL('./fixtures/custom-action.mjs', import.meta.url).pathname

async function patchbay(args: string[]) {
  const { DATABASE_URL: _db, ...env } = process.env
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

function fixturesFile(answerId: number, sentSubject: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-fixtures-'))
  const file = join(dir, 'create_ticket.fixtures.json')
  writeFileSync(
    file,
    JSON.stringify({
      action: 'helpdesk.create_ticket',
      docs: 'https://helpdesk.example/docs/tickets',
      cases: [
        {
          name: 'opens a ticket',
          inputs: { subject: 'Printer on fire' },
          exchanges: [
            {
              request: { method: 'POST', path: '/tickets', body: { ticket: { subject: sentSubject } } },
              response: { status: 201, body: { ticket: { id: answerId, subject: 'Printer on fire' } } },
            },
          ],
          expect: { output: { id: 35436 } },
        },
        {
          name: 'a missing subject is refused',
          inputs: { subject: ' ' },
          exchanges: [
            {
              request: { method: 'POST', path: '/tickets', body: { ticket: { subject: ' ' } } },
              response: { status: 422, body: { error: 'RecordInvalid', description: 'Record validation errors' } },
            },
          ],
          expect: { error: { type: 'validation', provider_status: 422 } },
        },
      ],
    }),
  )
  return file
}

describe('patchbay actions test', () => {
  it('replays a catalog action against its fixtures, and every catalog action with no argument', async () => {
    const one = await patchbay(['actions', 'test', 'github.create_issue'])
    expect(one.code, one.stderr).toBe(0)
    expect(one.stdout).toContain('ok   github.create_issue: creates an issue with a label and an assignee')
    expect(one.stdout).toContain('ok   github.create_issue: dry run of')
    expect(one.stdout).toMatch(/1 action\(s\), \d+ case\(s\): all passed/)
    const all = await patchbay(['actions', 'test', '--json'])
    expect(all.code, all.stdout.slice(-2000)).toBe(0)
    const report = JSON.parse(all.stdout) as { ok: boolean; actions: { action: string }[] }
    expect(report.ok).toBe(true)
    expect(report.actions.length).toBeGreaterThanOrEqual(60)
  }, 60_000)

  it("replays a partner's own action, and fails saying why when the action and its fixtures disagree", async () => {
    const good = await patchbay(['actions', 'test', '--module', customModule, '--fixtures', fixturesFile(35436, 'Printer on fire')])
    expect(good.code, good.stdout).toBe(0)
    expect(good.stdout).toContain('ok   helpdesk.create_ticket: opens a ticket')
    expect(good.stdout).toContain('ok   helpdesk.create_ticket: dry run of "opens a ticket"')

    const wrongBody = await patchbay(['actions', 'test', '--module', customModule, '--fixtures', fixturesFile(35436, 'Printer')])
    expect(wrongBody.code).toBe(1)
    expect(wrongBody.stdout).toContain('FAIL helpdesk.create_ticket: opens a ticket')
    expect(wrongBody.stdout).toContain(
      'POST /tickets: body {"ticket":{"subject":"Printer on fire"}}, expected {"ticket":{"subject":"Printer"}}',
    )

    const wrongOutput = await patchbay(['actions', 'test', '--module', customModule, '--fixtures', fixturesFile(1, 'Printer on fire')])
    expect(wrongOutput.code).toBe(1)
    expect(wrongOutput.stdout).toContain('output {"id":1}, expected {"id":35436}')
  }, 60_000)

  it('refuses an unknown action and a module without fixtures, with a usage error', async () => {
    const unknown = await patchbay(['actions', 'test', 'github.nope'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('no catalog action github.nope')
    const half = await patchbay(['actions', 'test', '--module', customModule])
    expect(half.code).toBe(2)
  })
})

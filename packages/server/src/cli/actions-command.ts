import { type ActionDefinition, appsDir } from '@patchbay/catalog'
import { type ActionFixtures, type CaseResult, fixturesPath, readFixtures, replayFixtures } from '@patchbay/catalog/testing'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { appReference } from '../catalog/app-reference.js'
import { importActionModules, loadActions } from '../actions/action-registry.js'
import { loadCatalog } from '../catalog/load-catalog.js'
import { print, UsageError } from './output.js'

// `patchbay actions test`: replays actions against their recorded fixtures, with no server, no
// database and no account (docs/actions.md, "Fixtures"). Exit status 1 when a case fails.

interface Replayed {
  action: string
  ok: boolean
  cases: CaseResult[]
}

async function catalogTargets(ids: string[]): Promise<{ definition: ActionDefinition; fixtures: ActionFixtures | undefined }[]> {
  const registry = await loadActions(loadCatalog())
  const chosen = ids.map((id) => {
    const action = registry.get(id)
    if (!action) throw new UsageError(`no catalog action ${id}`)
    return action
  })
  return (ids.length === 0 ? registry.list() : chosen).map(({ definition: d }) => ({
    definition: d,
    fixtures: readFixtures(fixturesPath(appsDir, d.app, d.key)),
  }))
}

/** `patchbay catalog docs <dir>` (or `actions docs`): writes the generated reference (docs/apps/<app>.md and README.md). */
export async function writeReference(args: string[]): Promise<void> {
  const [dir, ...more] = args
  if (dir === undefined || more.length > 0) throw new UsageError('usage: patchbay catalog docs <dir>')
  const catalog = loadCatalog()
  const pages = appReference(await loadActions(catalog), catalog)
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of pages) writeFileSync(join(dir, name), text)
  print({ written: [...pages.keys()].map((name) => join(dir, name)) })
}

export async function actionsCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { module: { type: 'string' }, fixtures: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  })
  const [sub, ...ids] = positionals
  if (sub === 'docs') return writeReference(ids)
  if (sub !== 'test')
    throw new UsageError('usage: patchbay actions test [<app>.<key> ...] | --module <file.js> --fixtures <file.json> | docs <dir>')
  let targets: { definition: ActionDefinition; fixtures: ActionFixtures | undefined }[]
  if (values.module !== undefined || values.fixtures !== undefined) {
    if (values.module === undefined || values.fixtures === undefined || ids.length > 1)
      throw new UsageError('--module and --fixtures go together, with at most one <app>.<key> (the module may export several actions)')
    const fixtures = JSON.parse(readFileSync(values.fixtures, 'utf8')) as ActionFixtures
    const wanted = ids[0] ?? fixtures.action
    const definition = (await importActionModules([values.module])).find((d) => `${d.app}.${d.key}` === wanted)
    if (!definition) throw new UsageError(`${values.module} exports no action ${wanted}`)
    targets = [{ definition, fixtures }]
  } else {
    targets = await catalogTargets(ids)
  }
  const replayed: Replayed[] = []
  for (const { definition, fixtures } of targets) {
    const action = `${definition.app}.${definition.key}`
    if (!fixtures) {
      replayed.push({ action, ok: false, cases: [{ name: 'fixtures', ok: false, problems: ['this action has no fixtures file'] }] })
      continue
    }
    const cases = await replayFixtures(definition, fixtures)
    replayed.push({ action, ok: cases.every((c) => c.ok), cases })
  }
  const failed = replayed.filter((r) => !r.ok).length
  if (values.json) print({ ok: failed === 0, actions: replayed })
  else {
    for (const r of replayed) {
      for (const c of r.cases) {
        process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${r.action}: ${c.name}\n`)
        for (const problem of c.problems) process.stdout.write(`       ${problem}\n`)
      }
    }
    const cases = replayed.reduce((n, r) => n + r.cases.length, 0)
    process.stdout.write(
      `\n${replayed.length} action(s), ${cases} case(s): ${failed === 0 ? 'all passed' : `${failed} action(s) failed`}\n`,
    )
  }
  if (failed > 0) process.exitCode = 1
}

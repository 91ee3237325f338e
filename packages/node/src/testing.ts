/**
 * `@patchbay/node/testing`: replay an action's recorded fixtures in your own tests, with no Patchbay
 * server and no account at the app (docs/actions.md, "Fixtures"). The same replay as
 * `patchbay actions test`, from the catalog package: install `@patchbay/catalog` beside this one
 * (an optional peer dependency; the rest of the SDK needs nothing).
 *
 * ```ts
 * import { replayFixtures } from '@patchbay/node/testing'
 * const results = await replayFixtures(myAction, JSON.parse(readFileSync('my_action.fixtures.json', 'utf8')))
 * expect(results.filter((r) => !r.ok)).toEqual([])
 * ```
 */
export {
  type ActionFixtures,
  type CaseResult,
  type FixtureCase,
  type FixtureExchange,
  type FixtureFake,
  type FixtureRequest,
  type FixtureResponse,
  replayFixtures,
  startFixtureFake,
} from '@patchbay/catalog/testing'

import { PatchbayError } from '../errors.js'
import { type ApiCaller, segment } from '../lib/api.js'
import type { App } from '../types.js'

/** The app catalog as this end user sees it. */
export class Apps {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/apps`: every app this end user can connect (every page), or those matching `q` / `category`. */
  async list(options: { q?: string; category?: string } = {}): Promise<App[]> {
    const apps: App[] = []
    let cursor: string | undefined
    // A bound on pages, so a server answering the same cursor forever cannot loop this.
    for (let page = 0; page < 100; page++) {
      const body = await this.api.call({ method: 'GET', path: '/v1/apps', query: { ...options, limit: 200, cursor } })
      if (!Array.isArray(body?.data)) {
        throw new PatchbayError('PB_ERR_INVALID_RESPONSE', 'GET /v1/apps: the answer has no data array', { status: 200 })
      }
      apps.push(...(body.data as App[]))
      cursor = typeof body.next_cursor === 'string' ? body.next_cursor : undefined
      if (cursor === undefined) return apps
    }
    throw new PatchbayError('PB_ERR_INVALID_RESPONSE', 'GET /v1/apps: more than 100 pages', { status: 200 })
  }

  /** `GET /v1/apps/{key}`: one app; `PB_ERR_NOT_FOUND` when the catalog has no such key. */
  async get(key: string): Promise<App> {
    return (await this.api.call({ method: 'GET', path: `/v1/apps/${segment(key, 'key')}` })) as unknown as App
  }
}

import { type ApiCaller, type RequestOptions, segment } from '../lib/api.js'
import { allPages } from '../lib/pages.js'
import type { App } from '../types.js'

export interface ListAppsOptions {
  /** Words the key, name or description must all hold. */
  q?: string
  /** Only apps of this category. */
  category?: string
}

/** The app catalog as this end user sees it. */
export class Apps {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/apps`: every app this end user can connect (every page, 200 at a time), or those matching `q` / `category`. */
  async list(options: ListAppsOptions = {}, requestOptions?: RequestOptions): Promise<App[]> {
    const apps: App[] = []
    for await (const app of this.listAll(options, requestOptions)) apps.push(app)
    return apps
  }

  /** The same apps as {@link list}, page after page as you iterate. */
  listAll(options: ListAppsOptions = {}, requestOptions?: RequestOptions): AsyncGenerator<App, void, undefined> {
    return allPages('GET /v1/apps', (cursor) =>
      this.api.call({
        operation: 'listApps',
        query: { q: options.q, category: options.category, limit: 200, cursor },
        options: requestOptions,
      }),
    )
  }

  /** `GET /v1/apps/{key}`: one app; `PB_ERR_NOT_FOUND` when the catalog has no such key. */
  async get(key: string, requestOptions?: RequestOptions): Promise<App> {
    return this.api.call({ operation: 'getApp', params: { key: segment(key, 'key') }, options: requestOptions })
  }
}

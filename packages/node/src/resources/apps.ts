import { PatchbayError } from '../errors.js'
import { type ApiCaller, segment } from '../lib/api.js'
import type { App } from '../types.js'

/** The app catalog as this end user sees it. */
export class Apps {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/apps`: every app of the catalog. */
  async list(): Promise<App[]> {
    const body = await this.api.call({ method: 'GET', path: '/v1/apps' })
    if (!Array.isArray(body?.data)) {
      throw new PatchbayError('PB_ERR_INVALID_RESPONSE', 'GET /v1/apps: the answer has no data array', { status: 200 })
    }
    return body.data as App[]
  }

  /** `GET /v1/apps/{key}`: one app; `PB_ERR_NOT_FOUND` when the catalog has no such key. */
  async get(key: string): Promise<App> {
    return (await this.api.call({ method: 'GET', path: `/v1/apps/${segment(key, 'key')}` })) as unknown as App
  }
}

export interface CatalogIssue {
  /** The file (or config location) the app came from. */
  source: string
  /** JSON pointer into the app, e.g. `/auth/0/authorization_url`; empty for the whole entry. */
  path: string
  message: string
}

export class CatalogError extends Error {
  override name = 'CatalogError'
  readonly code = 'PB_CATALOG_INVALID'
  readonly issues: readonly CatalogIssue[]

  constructor(issues: readonly CatalogIssue[]) {
    super(`invalid app catalog:\n${issues.map((i) => `  ${i.source}: ${i.path || '/'}: ${i.message}`).join('\n')}`)
    this.issues = issues
  }
}

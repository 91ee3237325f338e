/** src/generated/openapi.ts's path. */
export const OUTPUT: string
/** The text of src/generated/openapi.ts for an OpenAPI document. */
export function generateTypes(document: Record<string, unknown>): Promise<string>

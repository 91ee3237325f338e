import type { ActionDefinition } from '@patchbay/catalog'

// An action as the generated catalog reference shows it (`docs/apps/<key>.md`, assembled by
// catalog/app-reference.ts from the definitions themselves; docs/actions.md, "Writing an action").

type Schema = Record<string, unknown>

/** A JSON Schema's type in a few words: `string`, `integer (1–100)`, `"open" | "closed"`, `array of string`… */
export function typeOf(schema: Schema): string {
  if (Array.isArray(schema.anyOf)) {
    const parts = (schema.anyOf as Schema[]).map(typeOf)
    return [...new Set(parts)].join(' \\| ')
  }
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ')
  const type = schema.type
  if (type === 'array') return `array of ${typeOf((schema.items as Schema | undefined) ?? {})}`
  if (type === 'object') return schema.patternProperties || schema.additionalProperties ? 'object (any keys)' : 'object'
  if (type === 'integer' || type === 'number') {
    const min = schema.minimum
    const max = schema.maximum
    return min !== undefined || max !== undefined ? `${type} (${min ?? '…'}–${max ?? '…'})` : String(type)
  }
  if (type === 'string' && typeof schema.format === 'string') return `string (${schema.format})`
  return typeof type === 'string' ? type : 'any'
}

const cell = (text: unknown) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n+/g, ' ')

function propertiesTable(schema: Schema, hints?: (name: string) => string): string[] {
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const names = Object.keys(properties)
  if (names.length === 0) return ['(none)']
  const lines = ['| name | type | required | description |', '| --- | --- | --- | --- |']
  for (const name of names) {
    const p = properties[name] as Schema
    const extra = hints?.(name) ?? ''
    const description = [p.description, extra].filter((s) => typeof s === 'string' && s !== '').join(' ')
    lines.push(`| \`${name}\` | ${typeOf(p)} | ${required.has(name) ? 'yes' : 'no'} | ${cell(description)} |`)
  }
  return lines
}

/** A TypeBox schema as plain JSON (its symbols dropped). */
const plain = (schema: unknown) => JSON.parse(JSON.stringify(schema)) as Schema

/** One action: its traits, inputs and output, as a `## ` section of its app's page (catalog/app-reference.ts). */
export function actionSection(d: ActionDefinition): string[] {
  const a = d.annotations
  const traits = [
    d.type,
    `version ${d.version}`,
    a.idempotent ? 'idempotent' : 'not idempotent',
    ...(a.destructive ? ['destructive'] : []),
    d.scopes.length > 0 ? `scopes ${d.scopes.map((s) => `\`${s}\``).join(', ')}` : 'no scope',
  ]
  const hint = (name: string): string => {
    const field = d.fields?.[name as keyof typeof d.fields]
    const notes: string[] = []
    if (field) {
      notes.push(
        `Choices from the app${field.searchable ? ' (searchable)' : ''}${field.dependsOn?.length ? `, after ${field.dependsOn.map((f) => `\`${f}\``).join(', ')}` : ''}.`,
      )
    }
    if (d.dynamicInput?.field === name) {
      notes.push(
        `Its fields come from the account (\`POST /v1/actions/${d.app}.${d.key}/schema\`, after ${d.dynamicInput.dependsOn.map((f) => `\`${f}\``).join(', ')}).`,
      )
    }
    return notes.join(' ')
  }
  return [
    `## \`${d.app}.${d.key}\`: ${d.title}`,
    '',
    `${traits.join(' · ')}${d.docs ? ` · [provider reference](${d.docs})` : ''}`,
    '',
    d.description,
    '',
    '**Inputs**',
    '',
    ...propertiesTable(plain(d.input), hint),
    '',
    '**Output**',
    '',
    ...(plain(d.output).type === 'object' ? propertiesTable(plain(d.output)) : [typeOf(plain(d.output))]),
    '',
  ]
}

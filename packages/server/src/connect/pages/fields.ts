import type { Field } from '../../catalog/app-schema.js'
import { html, type SafeHtml } from './html.js'

export type FormField = Field & { value?: string; error?: string }

/** Keys that look like credentials are treated as secret even when the catalog forgot to say so. */
const SECRET_KEY = /pass|secret|token|api_?key|private|credential/i

export function isSecretField(field: Field): boolean {
  return field.secret === true || SECRET_KEY.test(field.key)
}

/**
 * The catalog's anchored pattern as an HTML `pattern` attribute, which browsers compile with the `v` flag and anchor
 * themselves. Characters the `v` flag wants escaped inside classes are escaped; a pattern that still does not
 * compile is left out (the server validates every value anyway).
 */
export function htmlPattern(pattern: string | undefined): string | undefined {
  if (!pattern) return undefined
  let p = pattern.replace(/^\^/, '').replace(/(?<!\\)\$$/, '')
  p = p.replace(/\[(\^?)((?:\\.|[^\]\\])*)\]/g, (_m, neg: string, body: string) => {
    let b = body.replace(/(?<!\\)([(){}/|])/g, '\\$1')
    if (b.startsWith('-')) b = `\\${b}`
    if (b.endsWith('-') && !b.endsWith('\\-')) b = `${b.slice(0, -1)}\\-`
    return `[${neg}${b}]`
  })
  try {
    new RegExp(`^(?:${p})$`, 'v')
    return p
  } catch {
    return undefined
  }
}

const CLASS_PARTS: Array<[RegExp, string]> = [
  [/a-z/g, 'lowercase letters'],
  [/A-Z/g, 'uppercase letters'],
  [/0-9|\\d/g, 'digits'],
  [/\\?-/g, 'hyphens'],
  [/_/g, 'underscores'],
  [/\\?\./g, 'dots'],
]

/**
 * A plain-language hint for simple patterns made only of character classes (`^[a-z0-9][a-z0-9-]{0,62}$` →
 * "Use only lowercase letters, digits and hyphens."); undefined for anything more complex.
 */
export function patternHint(pattern: string | undefined): string | undefined {
  if (!pattern || !/^\^?(?:\[[^\]]+\](?:[+*?]|\{\d+(?:,\d*)?\})?)+\$?$/.test(pattern)) return undefined
  let rest = Array.from(pattern.matchAll(/\[([^\]]+)\]/g), (m) => m[1]).join('')
  let names: string[] = []
  for (const [re, name] of CLASS_PARTS) {
    if (rest.match(re)) names.push(name)
    rest = rest.replace(re, '')
  }
  // Everything in the classes must be described, or the hint would be wrong.
  if (rest.length > 0 || names.length === 0) return undefined
  if (names.includes('uppercase letters') && names.includes('lowercase letters')) {
    names = names.filter((n) => n !== 'uppercase letters').map((n) => (n === 'lowercase letters' ? 'letters' : n))
  }
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
  return `Use only ${list}.`
}

/** One labelled input with its prefix/suffix, hint and error; ids are unique per form option. */
export function renderField(optionKey: string, field: FormField): SafeHtml {
  const id = `${optionKey}-${field.key}`
  const secret = isSecretField(field)
  const hints = [field.help, patternHint(field.pattern), field.example && !secret && `Example: ${field.example}`].filter(
    (h): h is string => typeof h === 'string' && h.length > 0,
  )
  const described = [field.prefix && `${id}-p`, field.suffix && `${id}-s`, hints.length > 0 && `${id}-h`, field.error && `${id}-e`].filter(
    (x): x is string => typeof x === 'string',
  )
  const pattern = htmlPattern(field.pattern)
  const value = !secret && field.value !== undefined && field.value !== '' && field.value
  return html`<div class="f">
<label for="${id}">${field.label}${field.optional && html` <span class="mut">(optional)</span>`}</label>
<div class="in${field.error && ' bad'}">${field.prefix && html`<span id="${id}-p">${field.prefix}</span>`}<input id="${id}" name="${field.key}" type="${secret ? 'password' : 'text'}" autocomplete="off" spellcheck="false" autocapitalize="none"${!field.optional && html` required`}${pattern && html` pattern="${pattern}"`}${value !== false && html` value="${value}"`}${field.error && html` aria-invalid="true"`}${described.length > 0 && html` aria-describedby="${described.join(' ')}"`}>${field.suffix && html`<span id="${id}-s">${field.suffix}</span>`}</div>
${hints.length > 0 && html`<p class="hint" id="${id}-h">${hints.join(' ')}</p>`}${field.error && html`<p class="err" id="${id}-e">${field.error}</p>`}
</div>`
}

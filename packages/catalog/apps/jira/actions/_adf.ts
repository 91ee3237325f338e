// Atlassian Document Format (ADF), the rich-text shape Jira Cloud REST API v3 takes and returns for
// `description`, comment `body` and multi-line text fields:
// https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/
// Plain text in: one paragraph per blank-line-separated block, a hardBreak for each single newline.
// Text out: the text nodes of a document, blocks joined by newlines.

export interface AdfNode {
  type: string
  text?: string
  content?: AdfNode[]
  attrs?: Record<string, unknown>
}

export interface AdfDoc {
  type: 'doc'
  version: 1
  content: AdfNode[]
}

function paragraph(block: string): AdfNode {
  const content: AdfNode[] = []
  block.split('\n').forEach((line, i) => {
    if (i > 0) content.push({ type: 'hardBreak' })
    if (line !== '') content.push({ type: 'text', text: line })
  })
  return content.length > 0 ? { type: 'paragraph', content } : { type: 'paragraph' }
}

/** Plain text as an ADF document (ADF text nodes may not be empty, so empty lines become breaks). */
export function textToAdf(text: string): AdfDoc {
  const blocks = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((b) => b.replace(/^\n+|\n+$/g, ''))
    .filter((b) => b !== '')
  return { type: 'doc', version: 1, content: blocks.length > 0 ? blocks.map(paragraph) : [{ type: 'paragraph' }] }
}

const BLOCKS = new Set(['paragraph', 'heading', 'blockquote', 'codeBlock', 'listItem', 'rule', 'panel', 'tableRow', 'mediaSingle'])

function collect(node: AdfNode, out: string[]): void {
  if (node.type === 'text' && typeof node.text === 'string') out.push(node.text)
  else if (node.type === 'hardBreak') out.push('\n')
  else if (node.type === 'mention' || node.type === 'emoji') {
    const t = node.attrs?.text
    if (typeof t === 'string') out.push(t)
  }
  for (const child of node.content ?? []) collect(child, out)
  if (BLOCKS.has(node.type)) out.push('\n')
}

/** The plain text of an ADF document; a string (some answers carry plain text) is returned as is. */
export function adfToText(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || value === null) return null
  const out: string[] = []
  collect(value as AdfNode, out)
  return out
    .join('')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

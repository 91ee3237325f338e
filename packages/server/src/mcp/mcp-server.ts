import { createMcpHandler, ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server'
import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server'
import type { Principal } from '../access-tokens/access-tokens.js'
import type { Logger } from 'pino'
import type { McpTools, ToolResult } from './tool-calls.js'
import { directHelpers, discoveryTools, helperTools, type ToolDefinition, toolDefinition } from './tool-schemas.js'
import type { ResolvedToolset } from './toolsets.js'

/** What the /mcp route hands the MCP handler once the bearer token is checked (docs/mcp.md, "Authorization"). */
export interface McpCaller {
  principal: Principal
  toolset: ResolvedToolset
}

const INSTRUCTIONS =
  "Tools that act on the user's connected accounts through Patchbay. Every call is a run: a call that takes longer than about 20 s answers with a run_id for get_run. " +
  'A call that needs an account the user has not connected answers with a link to show the user.'

/** The page of tools after `cursor`, in name order (deterministic: the same toolset lists the same pages). */
function page(tools: ToolDefinition[], cursor: string | undefined, size: number): { tools: ToolDefinition[]; nextCursor?: string } {
  let start = 0
  if (cursor !== undefined) {
    const after = Buffer.from(cursor, 'base64url').toString('utf8')
    start = tools.findIndex((t) => t.name > after)
    if (after === '' || start === -1 || !tools.some((t) => t.name === after)) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'cursor is not a nextCursor of tools/list')
    }
  }
  const slice = tools.slice(start, start + size)
  const last = slice[slice.length - 1]
  return start + size < tools.length && last ? { tools: slice, nextCursor: Buffer.from(last.name).toString('base64url') } : { tools: slice }
}

/** Every tool of a toolset, sorted by name: the actions' tools (direct mode) and the helpers. */
export function toolList(toolset: ResolvedToolset): ToolDefinition[] {
  const helpers = (toolset.mode === 'direct' ? directHelpers : discoveryTools).map((name) => helperTools[name] as ToolDefinition)
  const reserved = new Set(helpers.map((t) => t.name))
  const actions = toolset.mode === 'direct' ? toolset.tools.filter((t) => !reserved.has(t.name)).map(toolDefinition) : []
  return [...actions, ...helpers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/**
 * The /mcp endpoint's handler: the official SDK serves both the 2026-07-28 revision and, statelessly,
 * the 2025 ones; a low-level server per request answers tools/list and tools/call for the caller the
 * route authenticated (never from a header the SDK reads: the route passes it as `authInfo`).
 */
export function createMcpEndpoint(tools: McpTools, options: { pageSize: number; version: string; log: Logger }): McpHttpHandler {
  const lists = new WeakMap<ResolvedToolset, ToolDefinition[]>()
  const listFor = (toolset: ResolvedToolset) => {
    let list = lists.get(toolset)
    if (!list) lists.set(toolset, (list = toolList(toolset)))
    return list
  }
  return createMcpHandler(
    ({ authInfo }) => {
      const caller = callerOf(authInfo)
      const server = new Server(
        { name: 'patchbay', version: options.version },
        { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
      )
      server.setRequestHandler('tools/list', async (request) => page(listFor(caller.toolset), request.params?.cursor, options.pageSize))
      server.setRequestHandler('tools/call', async (request) => {
        const { name } = request.params
        const args = (request.params.arguments ?? {}) as Record<string, unknown>
        try {
          return (await call(tools, caller, name, args)) as never
        } catch (err) {
          if (err instanceof ProtocolError) throw err
          // The SDK would send the message (and any data) to the agent: log it here, answer without it.
          options.log.error({ err, tool: name, partner: caller.principal.partnerId }, 'MCP tool call failed')
          throw new ProtocolError(ProtocolErrorCode.InternalError, 'internal error: the call failed in Patchbay')
        }
      })
      return server
    },
    { legacy: 'stateless', onerror: (err) => options.log.warn({ err }, 'MCP request refused') },
  )
}

async function call(tools: McpTools, { principal, toolset }: McpCaller, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const listed = toolset.mode === 'direct' ? (directHelpers as readonly string[]) : (discoveryTools as readonly string[])
  if (listed.includes(name)) {
    switch (name) {
      case 'get_run':
        return tools.getRun(principal, toolset, args)
      case 'list_connections':
        return tools.listConnections(principal, toolset, args)
      case 'connect_app':
        return tools.connectApp(principal, toolset, args)
      case 'search_actions':
        return tools.searchActions(principal, toolset, args)
      case 'describe_action':
        return tools.describeAction(principal, toolset, args, toolDefinition)
      case 'run_action':
        return tools.runAction(principal, toolset, args)
    }
  }
  const tool = toolset.mode === 'direct' ? toolset.byName.get(name) : undefined
  if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`)
  return tools.callAction(principal, toolset, tool, args)
}

function callerOf(authInfo: AuthInfo | undefined): McpCaller {
  const caller = authInfo?.extra?.caller as McpCaller | undefined
  // The route authenticates every request before the handler runs; reaching here without it is a bug.
  if (!caller) throw new Error('MCP request without an authenticated caller')
  return caller
}

import Fastify from 'fastify'
import AjvCompiler from '@fastify/ajv-compiler'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lazyCompilers } from '../../src/http/lazy-compilers.js'
import { call } from '../helpers/api-call.js'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { exchange } from '../helpers/token-request.js'

/**
 * Route schemas compile on first use, not at start (http/lazy-compilers.ts): every one must still
 * compile, and validation and serialization must answer as they did when compiled at start.
 */
describe('lazy schema compilers', () => {
  it('build nothing at start and report a schema that does not compile, naming its route', async () => {
    let compiled = 0
    let factories = 0
    const validators = AjvCompiler()
    const compilers = lazyCompilers(
      ((schemas: never, options: never) => {
        factories++
        const compile = validators(schemas, options)
        return (route: never) => (compiled++, compile(route))
      }) as never,
      SerializerSelector() as never,
    )
    const app = Fastify({ schemaController: { compilersFactory: compilers as never } })
    app.post('/good', { schema: { body: { type: 'object', properties: { n: { type: 'integer' } } } } }, async () => ({}))
    app.get('/broken', { schema: { querystring: { type: 'nonsense' } } }, async () => ({}))
    await app.ready()
    // Not even the ajv instance: building it compiles JSON Schema's meta-schema.
    expect(factories).toBe(0)
    expect(compiled).toBe(0)
    const refused = await app.inject({ method: 'POST', url: '/good', payload: { n: 'x' } })
    expect(refused.statusCode).toBe(400)
    expect([factories, compiled]).toEqual([1, 1])
    await app.inject({ method: 'POST', url: '/good', payload: { n: 1 } })
    expect([factories, compiled]).toEqual([1, 1])
    expect(() => compilers.compileAll()).toThrow(/GET \/broken \(querystring\) does not compile/)
    await app.close()
  })
})

describe.each(databaseTargets)('route schemas ($name)', (target) => {
  let t: TestServer

  beforeAll(async () => {
    t = await startTestServer({ target })
  })
  afterAll(async () => t?.close())

  it('validate and serialize on first use as before', async () => {
    const token = (await exchange(t, await t.sign({ sub: 'schemas-user' }))).json.access_token as string
    // A query string is coerced to its schema's types; a value that cannot be is refused.
    const bad = await call(`${t.url}/v1/connections?limit=many`, { token })
    expect(bad.status).toBe(400)
    expect(bad.json.error.code).toBe('PB_ERR_VALIDATION')
    expect(bad.json.error.message).toBe('querystring.limit must be integer')
    expect((await call(`${t.url}/v1/connections?limit=5`, { token })).status).toBe(200)
    // A JSON body is checked as sent.
    const body = await call(`${t.url}/v1/connections`, { method: 'POST', token, body: { app: 5 } })
    expect(body.status).toBe(400)
    expect(body.json.error.code).toBe('PB_ERR_VALIDATION')
    // The response schema still shapes the answer.
    const me = await call(`${t.url}/v1/me`, { token })
    expect(me.status).toBe(200)
    expect(Object.keys(me.json).sort()).toEqual(['expires_at', 'partner_id', 'scopes', 'tenant_id', 'user_id'])
  })

  it('every route schema compiles', () => {
    expect(() => t.server.app.compileAllSchemas()).not.toThrow()
  })
})

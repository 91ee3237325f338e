// The footprint baseline (bench/footprint.mjs): a bare Fastify server with one route, nothing else.
import Fastify from 'fastify'

const app = Fastify()
app.get('/healthz', async () => ({ status: 'ok' }))
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })

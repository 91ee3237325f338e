// The footprint's third baseline (bench/footprint.mjs): the bare Fastify server of hello-fastify.mjs,
// plus the native parts any server on Patchbay's stack loads before its first request: an embedded
// SQLite database (better-sqlite3, WAL, one table written and read) and node:crypto (AES-256-GCM,
// SHA-256, random ids), as the credential vault uses them. What it keeps idle is the floor under
// Patchbay's own code and data.
import Database from 'better-sqlite3'
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'

const dir = process.env.PATCHBAY_DATA_DIR
if (!dir) throw new Error('PATCHBAY_DATA_DIR is not set')
mkdirSync(dir, { recursive: true })
const db = new Database(join(dir, 'stack.sqlite'))
db.pragma('journal_mode = WAL')
db.exec('create table if not exists secrets (id text primary key, sealed blob not null)')
const key = randomBytes(32)
const iv = randomBytes(12)
const cipher = createCipheriv('aes-256-gcm', key, iv)
const sealed = Buffer.concat([iv, cipher.update('a credential', 'utf8'), cipher.final(), cipher.getAuthTag()])
db.prepare('insert into secrets (id, sealed) values (?, ?)').run(randomUUID(), sealed)
const count = db.prepare('select count(*) as n from secrets').pluck()

const app = Fastify()
app.get('/healthz', async () => ({
  status: 'ok',
  stored: count.get(),
  check: createHash('sha256').update(sealed).digest('hex').slice(0, 8),
}))
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })

import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'

export interface PartnerKey {
  kid: string
  alg: string
  privateKey: CryptoKey
  publicJwk: JWK
}

export async function newPartnerKey(alg = 'ES256', kid = `k-${randomUUID().slice(0, 8)}`): Promise<PartnerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { kid, alg, privateKey: privateKey as CryptoKey, publicJwk }
}

export interface SignOptions {
  key: PartnerKey
  issuer?: string
  audience?: string | string[]
  subject?: string
  expiresIn?: number
  header?: Record<string, unknown>
  omit?: Array<'exp' | 'iat' | 'jti' | 'sub' | 'iss' | 'aud'>
}

/** Signs a partner JWT the way a partner backend would. */
export async function signPartnerJwt(claims: JWTPayload, opts: SignOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const payload: JWTPayload = {
    iss: opts.issuer ?? 'https://partner.example',
    aud: opts.audience ?? 'patchbay',
    sub: opts.subject ?? 'user-1',
    iat: now,
    exp: now + (opts.expiresIn ?? 300),
    jti: randomUUID(),
    ...claims,
  }
  for (const claim of opts.omit ?? []) delete payload[claim]
  return new SignJWT(payload)
    .setProtectedHeader({ alg: opts.key.alg, kid: opts.key.kid, typ: 'JWT', ...opts.header } as never)
    .sign(opts.key.privateKey)
}

/** A partner's JWKS endpoint on 127.0.0.1: keys can be swapped and the endpoint taken down. */
export class JwksServer {
  keys: JWK[] = []
  /** When set, the endpoint answers with this status (simulating an outage). */
  failWith: number | undefined
  /** When set, the endpoint answers 302 with this Location instead of the keys. */
  redirectTo: string | undefined
  /** Send the key set in several chunks without a Content-Length (Transfer-Encoding: chunked). */
  chunked = false
  /** HTTP requests answered. */
  hits = 0
  /** TCP connections accepted, including ones that never became an HTTP request (e.g. a TLS hello). */
  connections = 0
  private server: Server | undefined
  url = ''
  /** The listening port (stays the same across stop() so tests can build URLs to it). */
  port = 0

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      this.hits++
      if (this.failWith) {
        res.writeHead(this.failWith).end('down')
        return
      }
      if (this.redirectTo) {
        res.writeHead(302, { location: this.redirectTo }).end()
        return
      }
      const body = JSON.stringify({ keys: this.keys })
      if (this.chunked) {
        res.writeHead(200, { 'content-type': 'application/json' })
        for (let i = 0; i < body.length; i += 512) res.write(body.slice(i, i + 512))
        res.end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
    })
    this.server.on('connection', () => {
      this.connections++
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    this.url = `http://127.0.0.1:${this.port}/.well-known/jwks.json`
    return this
  }

  /** Stops listening altogether (connection refused), as during a real outage. */
  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

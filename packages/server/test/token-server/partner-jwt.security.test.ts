import { randomUUID } from 'node:crypto'
import { CompactEncrypt, exportSPKI, FlattenedSign, importJWK, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { JwksServer, newPartnerKey, type PartnerKey } from '../helpers/partner-keys.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { type Client, exchange, exchangeParams, expectIssued, expectRefused, postToken } from '../helpers/token-request.js'

/**
 * docs/security.md, "Partner JWTs": every test tries one attack on a partner-signed subject_token
 * against the running server and expects `invalid_grant`, `no-store`, and no row written.
 */

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const nowSeconds = () => Math.floor(Date.now() / 1000)

describe.each(databaseTargets)('partner JWT security ($name)', (target) => {
  let t: TestServer

  beforeAll(async () => {
    t = await startTestServer({ target })
  })
  afterAll(() => t?.close())

  /** Valid claims for the test server's partner; tests break one thing at a time. */
  const validClaims = () => {
    const now = nowSeconds()
    return { iss: t.partner.issuer, aud: t.partner.audience, sub: 'mallory', org: 'org-1', iat: now, exp: now + 300, jti: randomUUID() }
  }

  const refuse = (token: string, description: RegExp | string, client: Client = t.partner) =>
    expectRefused(t, () => postToken(t.url, client, { params: exchangeParams(token) }), {
      status: 400,
      error: 'invalid_grant',
      description,
    })

  it('accepts a well-formed partner JWT (the control every refusal below differs from by one thing)', async () => {
    const before = await t.counts()
    const body = await expectIssued(await exchange(t, await t.sign({ sub: 'mallory' })))
    expect(body.access_token).toMatch(/^pbat_/)
    const after = await t.counts()
    expect(after.used_jtis).toBe(before.used_jtis + 1)
    expect(after.access_tokens).toBe(before.access_tokens + 1)
  })

  describe('algorithms', () => {
    it('refuses alg none', async () => {
      const unsigned = `${b64({ alg: 'none', typ: 'JWT', kid: t.key.kid })}.${b64(validClaims())}.`
      await refuse(unsigned, 'algorithm "none" is not allowed')
      // Same with the signature of a real token left in place, and with the other spellings of none.
      const signed = (await t.sign()).split('.')
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        await refuse(`${b64({ alg, typ: 'JWT', kid: t.key.kid })}.${signed[1]}.${signed[2]}`, `algorithm "${alg}" is not allowed`)
      }
    })

    it("refuses HS256 signed with the partner's public key as the HMAC secret", async () => {
      const publicKey = await importJWK(t.key.publicJwk, 'ES256')
      const pem = await exportSPKI(publicKey as CryptoKey)
      const secrets = [pem, pem.trim(), JSON.stringify(t.key.publicJwk), JSON.stringify({ keys: [t.key.publicJwk] })]
      for (const secret of secrets) {
        for (const alg of ['HS256', 'HS384', 'HS512']) {
          const token = await new SignJWT(validClaims())
            .setProtectedHeader({ alg, typ: 'JWT', kid: t.key.kid })
            .sign(new TextEncoder().encode(secret))
          await refuse(token, `algorithm "${alg}" is not allowed`)
        }
      }
    })

    it("refuses an algorithm outside the partner's allow-list even with a key that is in its JWKS", async () => {
      // Partner allows ES256 only, but its JWKS also publishes an RSA key.
      const strict = await t.addPartner({ id: 'es-only', algorithms: ['ES256'] })
      const rsaKey = await newPartnerKey('RS256')
      strict.jwks.keys = [strict.key.publicJwk, rsaKey.publicJwk]
      const rsToken = () => strict.sign({ sub: 'u1' }, { key: rsaKey })
      await refuse(await rsToken(), /algorithm "RS256" is not allowed for this partner \(allowed: ES256\)/, strict)
      // Control: the partner's ES256 tokens work, and a partner allowing RS256 on the very same JWKS accepts that RSA key.
      await expectIssued(await postToken(t.url, strict, { params: exchangeParams(await strict.sign()) }))
      const lenient = await t.addPartner({ id: 'es-rs', algorithms: ['ES256', 'RS256'], jwksUrl: strict.jwks.url })
      const rsForLenient = await lenient.sign({}, { key: rsaKey })
      await expectIssued(await postToken(t.url, lenient, { params: exchangeParams(rsForLenient) }))
    })

    it('refuses a JWE in compact serialization (5 parts) encrypted to the partner key', async () => {
      const { alg: _alg, use: _use, ...jwk } = t.key.publicJwk
      const encryptionKey = await importJWK(jwk as JWK, 'ECDH-ES+A128KW')
      const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(validClaims())))
        .setProtectedHeader({ alg: 'ECDH-ES+A128KW', enc: 'A128GCM', kid: t.key.kid, cty: 'JWT' })
        .encrypt(encryptionKey)
      expect(jwe.split('.')).toHaveLength(5)
      await refuse(jwe, 'not a compact JWS')
    })

    it('refuses a PBES2 JWE (PBES2-HS256+A128KW)', async () => {
      const password = new TextEncoder().encode(JSON.stringify(t.key.publicJwk))
      const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(validClaims())))
        .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', kid: t.key.kid, cty: 'JWT' })
        .setKeyManagementParameters({ p2c: 2048 })
        .encrypt(password)
      expect(jwe.split('.')).toHaveLength(5)
      await refuse(jwe, 'not a compact JWS')
      // A huge p2c (a CPU-exhaustion attack on decrypting servers) is refused the same way, at once.
      const heavy = `${b64({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 2_000_000_000, p2s: b64('salt'), kid: t.key.kid })}.AAAA.AAAA.AAAA.AAAA`
      await refuse(heavy, 'not a compact JWS')
    })

    it('refuses a JWS in JSON serialization', async () => {
      const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(validClaims())))
        .setProtectedHeader({ alg: 'ES256', kid: t.key.kid })
        .sign(t.key.privateKey)
      await refuse(JSON.stringify(jws), 'not a compact JWS')
    })
  })

  describe('key selection', () => {
    it('refuses a kid that is not in the partner JWKS (signed by an unknown key)', async () => {
      const stranger = await newPartnerKey('ES256')
      await refuse(await t.sign({}, { key: stranger }), `no key in the partner's JWKS matches the subject_token (kid "${stranger.kid}")`)
    })

    it("refuses a kid that exists only in another partner's JWKS", async () => {
      const other = await t.addPartner({ id: 'globex' })
      // Everything else is Acme's: issuer, audience, client; only the key (and kid) are Globex's.
      const crossed = await t.sign({ sub: 'victim' }, { key: other.key })
      await refuse(crossed, `no key in the partner's JWKS matches the subject_token (kid "${other.key.kid}")`)
      // Control: Globex's own token with Globex's key is fine, with Globex's client.
      await expectIssued(await postToken(t.url, other, { params: exchangeParams(await other.sign({ sub: 'victim' })) }))
      // And Globex's client cannot use an Acme-signed token either.
      await refuse(await t.sign({ sub: 'victim' }), /no key in the partner's JWKS matches/, other)
    })

    async function attacker(): Promise<{ server: JwksServer; key: PartnerKey; close: () => Promise<void> }> {
      const server = await new JwksServer().start()
      const key = await newPartnerKey('ES256')
      server.keys = [key.publicJwk]
      return { server, key, close: () => server.stop() }
    }

    for (const header of ['jku', 'x5u'] as const) {
      it(`ignores a ${header} header pointing at an attacker JWKS and never fetches it`, async () => {
        const evil = await attacker()
        try {
          // With the attacker's kid (absent from the partner JWKS) and with the partner's own kid.
          const withOwnKid = await t.sign({}, { key: evil.key, header: { [header]: evil.server.url } })
          await refuse(withOwnKid, /no key in the partner's JWKS matches/)
          const withPartnerKid = await t.sign({}, { key: evil.key, header: { kid: t.key.kid, [header]: evil.server.url } })
          await refuse(withPartnerKid, 'signature is invalid')
          expect(evil.server.hits).toBe(0)
          expect(evil.server.connections).toBe(0)
        } finally {
          await evil.close()
        }
      })
    }

    it('ignores a jwk header embedding the attacker key', async () => {
      const evil = await attacker()
      try {
        const { kid: _kid, use: _use, ...embedded } = evil.key.publicJwk
        await refuse(await t.sign({}, { key: evil.key, header: { jwk: embedded } }), /no key in the partner's JWKS matches/)
        // Without a kid the partner's only key is tried, and the signature does not match it.
        const noKid = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'ES256', jwk: embedded }).sign(evil.key.privateKey)
        await refuse(noKid, 'signature is invalid')
      } finally {
        await evil.close()
      }
    })

    it('refuses an unknown crit header parameter', async () => {
      const token = await new SignJWT(validClaims())
        .setProtectedHeader({ alg: 'ES256', kid: t.key.kid, typ: 'JWT', crit: ['foo'], foo: 'bar' } as never)
        .sign(t.key.privateKey, { crit: { foo: true } })
      await refuse(token, /"foo" is not recognized/)
    })
  })

  describe('claims', () => {
    it('refuses a wrong aud', async () => {
      await refuse(await t.sign({}, { audience: 'patchbay-other' }), '"aud" claim check failed')
    })

    it('refuses a missing aud', async () => {
      await refuse(await t.sign({}, { omit: ['aud'] }), /"aud" claim check failed: missing/)
    })

    it('refuses an aud array holding a foreign value', async () => {
      await refuse(await t.sign({}, { audience: ['patchbay', 'evil'] }), '"aud" must name only this Patchbay partner audience')
      await refuse(await t.sign({}, { audience: ['evil', 'patchbay'] }), '"aud" must name only this Patchbay partner audience')
      // Control: an array naming only us is fine.
      await expectIssued(await exchange(t, await t.sign({}, { audience: ['patchbay'] })))
    })

    it('refuses a wrong iss', async () => {
      await refuse(await t.sign({}, { issuer: 'https://evil.example' }), '"iss" claim check failed')
      await refuse(await t.sign({}, { issuer: 'https://partner.example/' }), '"iss" claim check failed')
    })

    it('refuses a missing iss', async () => {
      await refuse(await t.sign({}, { omit: ['iss'] }), /"iss" claim check failed: missing/)
    })

    it('refuses a missing exp', async () => {
      await refuse(await t.sign({}, { omit: ['exp'] }), /"exp" claim check failed: missing/)
    })

    it('refuses an expired exp', async () => {
      const now = nowSeconds()
      await refuse(await t.sign({ iat: now - 600, exp: now - t.config.jwt.clockSkew - 5 }), 'subject_token has expired')
    })

    it('refuses a lifetime over jwt.maxLifetime', async () => {
      const now = nowSeconds()
      const max = t.config.jwt.maxLifetime
      await refuse(await t.sign({ iat: now, exp: now + max + 1 }), `lifetime (exp - iat) exceeds ${max}s`)
      // Without iat, exp itself may not be further away than that.
      await refuse(await t.sign({ exp: now + max + t.config.jwt.clockSkew + 60 }, { omit: ['iat'] }), `"exp" is more than ${max}s away`)
      // Control: exactly the maximum is fine.
      await expectIssued(await exchange(t, await t.sign({ iat: now, exp: now + max })))
    })

    it('refuses a future nbf', async () => {
      const now = nowSeconds()
      await refuse(await t.sign({ nbf: now + t.config.jwt.clockSkew + 60 }), '"nbf" claim check failed')
    })

    it('refuses a future iat', async () => {
      const now = nowSeconds()
      await refuse(await t.sign({ iat: now + t.config.jwt.clockSkew + 60, exp: now + 600 }), '"iat" is in the future')
    })

    it('tolerates a small clock skew, and no more', async () => {
      const now = nowSeconds()
      const skew = t.config.jwt.clockSkew
      expect(skew).toBeLessThanOrEqual(60)
      await expectIssued(await exchange(t, await t.sign({ iat: now + 5, nbf: now + 5, exp: now + 300 })))
      await expectIssued(await exchange(t, await t.sign({ iat: now - 300, exp: now - 5 })))
      await refuse(await t.sign({ iat: now - 600, exp: now - skew - 5 }), 'subject_token has expired')
    })

    it('refuses a missing jti', async () => {
      await refuse(await t.sign({}, { omit: ['jti'] }), /"jti" claim check failed: missing/)
      await refuse(await t.sign({ jti: '' }), '"jti" must be a non-empty string')
    })

    it('refuses a replayed jti', async () => {
      const token = await t.sign({ sub: 'replay-user', org: 'org-replay' })
      const before = await t.counts()
      const first = await expectIssued(await exchange(t, token))
      const afterFirst = await t.counts()
      expect(afterFirst).toEqual({
        used_jtis: before.used_jtis + 1,
        end_users: before.end_users + 1,
        access_tokens: before.access_tokens + 1,
        connect_sessions: before.connect_sessions,
      })
      await refuse(token, '"jti" has already been used')
      // Other client authentication, other requested token type: still the same jti.
      await expectRefused(t, () => exchange(t, token, {}, 'post'), {
        status: 400,
        error: 'invalid_grant',
        description: 'already been used',
      })
      await expectRefused(t, () => exchange(t, token, { requested_token_type: 'urn:patchbay:params:oauth:token-type:connect_session' }), {
        status: 400,
        error: 'invalid_grant',
        description: 'already been used',
      })
      // The first use's rows are the only ones for that user and that jti.
      const db = t.server.services.database.db
      const users = await db.selectFrom('end_users').select('id').where('external_id', '=', 'replay-user').execute()
      expect(users).toHaveLength(1)
      const tokens = await db
        .selectFrom('access_tokens')
        .select('token_hash')
        .where('end_user_id', '=', (users[0] as { id: string }).id)
        .execute()
      expect(tokens).toHaveLength(1)
      const jti = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti
      const jtis = await db.selectFrom('used_jtis').select('jti').where('jti', '=', jti).execute()
      expect(jtis).toHaveLength(1)
      expect(first.access_token).toMatch(/^pbat_/)
    })

    it('accepts a jti only once when the same token arrives concurrently', async () => {
      const token = await t.sign({ sub: 'racer' })
      const before = await t.counts()
      const results = await Promise.all(Array.from({ length: 6 }, () => exchange(t, token)))
      expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400])
      for (const r of results.filter((r) => r.status === 400)) {
        expect(r.json.error).toBe('invalid_grant')
        expect(r.json.error_description).toContain('already been used')
      }
      const after = await t.counts()
      expect(after.used_jtis).toBe(before.used_jtis + 1)
      expect(after.access_tokens).toBe(before.access_tokens + 1)
    })

    it('refuses a missing user claim', async () => {
      await refuse(await t.sign({}, { omit: ['sub'] }), 'claim "sub" is missing')
      await refuse(await t.sign({ sub: '' }), 'claim "sub" is missing')
      await refuse(await t.sign({ sub: { id: 'x' } }), 'claim "sub" is missing')
    })

    it('refuses a missing tenant claim', async () => {
      await refuse(await t.sign({ org: undefined }), 'claim "org" is missing')
      await refuse(await t.sign({ org: '' }), 'claim "org" is missing')
    })
  })

  describe('size', () => {
    it('refuses an oversized token before any crypto', async () => {
      // A partner whose JWKS has never been fetched: a verification attempt would have to fetch it.
      const fresh = await t.addPartner({ id: 'fresh' })
      const max = t.config.jwt.maxBytes
      const big = await fresh.sign({ pad: 'x'.repeat(max) })
      expect(Buffer.byteLength(big)).toBeGreaterThan(max)
      const res = await expectRefused(t, () => postToken(t.url, fresh, { params: exchangeParams(big) }), {
        status: 400,
        error: 'invalid_grant',
        description: `larger than ${max} bytes`,
      })
      expect(res.json.error_description).not.toContain('signature')
      expect(fresh.jwks.hits).toBe(0)
      expect(fresh.jwks.connections).toBe(0)
      // Garbage of that size is refused for its size too, not parsed.
      await refuse('A'.repeat(max + 1), `larger than ${max} bytes`)
      // Control: the same partner's normal-size token fetches the JWKS and works.
      await expectIssued(await postToken(t.url, fresh, { params: exchangeParams(await fresh.sign({ pad: 'x' })) }))
      expect(fresh.jwks.hits).toBe(1)
    })
  })
})

/**
 * The demo partner's credentials, generated on first start and kept in <data dir>/demo-partner-key.json:
 * the ES256 key pair its backend signs end-user JWTs with (Patchbay gets the public half as an inline JWKS) and
 * its client id and secret at Patchbay's token endpoint (Patchbay gets only the secret's hash).
 */
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { exportJWK, generateKeyPair } from 'jose'

export const PARTNER_KEY_FILE = 'demo-partner-key.json'

/** Patchbay's stored form of a client secret (`clientSecretHash` in a partner declaration). */
export function clientSecretHash(secret) {
  return `sha256$${createHash('sha256').update(secret).digest('base64url')}`
}

function valid(saved) {
  return (
    saved &&
    typeof saved.kid === 'string' &&
    saved.privateJwk?.kty === 'EC' &&
    typeof saved.privateJwk.d === 'string' &&
    saved.publicJwk?.kty === 'EC' &&
    typeof saved.clientId === 'string' &&
    typeof saved.clientSecret === 'string'
  )
}

/** Reads the partner's key file, creating it (and the data directory) the first time. */
export async function loadPartnerKey(dataDir) {
  const file = join(dataDir, PARTNER_KEY_FILE)
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if (err.code !== 'ENOENT') throw err
  }
  if (text !== undefined) {
    let saved
    try {
      saved = JSON.parse(text)
    } catch {
      // handled below
    }
    if (!valid(saved)) throw new Error(`${file} is not a demo partner key file; delete it to generate a new one`)
    return { ...saved, file, created: false }
  }

  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const kid = `demo-${randomBytes(4).toString('hex')}`
  const saved = {
    comment: 'Demo partner credentials for the Patchbay demo (examples/demo). Local use only.',
    kid,
    alg: 'ES256',
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
    clientId: 'demo-crm',
    clientSecret: `pbsk_${randomBytes(32).toString('base64url')}`,
  }
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return { ...saved, file, created: true }
}

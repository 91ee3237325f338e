import type { FastifyReply, FastifyRequest } from 'fastify'
import { OAuthError, PatchbayError } from '../../errors.js'
import { authenticateClient } from '../../token-server/client-auth.js'

export const BASIC_CHALLENGE = 'Basic realm="patchbay", charset="UTF-8"'

function unauthorized(message: string): PatchbayError {
  return new PatchbayError('PB_ERR_UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': BASIC_CHALLENGE } })
}

/**
 * onRequest hook for `/v1/partner/*`, the partner's operator API: the partner's client credentials
 * as HTTP Basic (`client_id:client_secret`, form-urlencoded then base64, as on the token endpoint),
 * checked by the same code as the token endpoint. Sets `req.partner`; any failure is
 * PB_ERR_UNAUTHORIZED with `WWW-Authenticate: Basic`.
 */
export async function authenticatePartner(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const header = req.headers.authorization
  if (!header || !/^Basic\s/i.test(header.trim())) {
    throw unauthorized('send the partner client credentials as "Authorization: Basic <base64 of client_id:client_secret>"')
  }
  try {
    // No body credentials here: the operator API takes Basic only.
    req.partner = await authenticateClient(req.server.services.partners, header, {})
  } catch (err) {
    if (err instanceof OAuthError) throw unauthorized(err.message)
    throw err
  }
}

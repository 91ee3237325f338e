import { PatchbayError } from '../errors.js'
import { OutboundBlockedError } from '../outbound/address-policy.js'
import { RequestTooLargeError } from './request-body.js'
import { hostOf, type Target } from './target.js'

export /** Maps a failure to reach the app to a Patchbay error; never quotes the URL (it may carry credentials). */
function upstreamError(err: unknown, target: Target): Error {
  if (err instanceof RequestTooLargeError) return new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', err.message)
  if (err instanceof PatchbayError) return err
  const e = err as { name?: string; code?: string; message?: string }
  if (err instanceof OutboundBlockedError || e.code === 'PB_OUTBOUND_BLOCKED') {
    return new PatchbayError('PB_ERR_OUTBOUND_BLOCKED', `refusing to connect to ${hostOf(target)}: private, loopback or reserved address`)
  }
  if (e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED')
    return new PatchbayError('PB_ERR_UPSTREAM', 'the request was aborted', { cause: err })
  const timedOut = e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT'
  return new PatchbayError(
    'PB_ERR_UPSTREAM',
    timedOut ? `${hostOf(target)} did not answer in time` : `${hostOf(target)} could not be reached`,
    {
      cause: err,
    },
  )
}

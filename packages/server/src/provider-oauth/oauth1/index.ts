export {
  type AccessTokenParams,
  accessToken,
  buildAccessTokenRequest,
  processAccessTokenResponse,
  type TokenCredentials,
} from './access-token.js'
export { type AuthorizationUrlParams, buildAuthorizationUrl } from './authorize-url.js'
export { type CallbackParams, type ReadCallbackOptions, readCallback } from './callback.js'
export { OAuth1Error, type OAuth1ErrorCode, type OAuth1ErrorOptions, oauth1ErrorCodes } from './errors.js'
export {
  buildRequestTokenRequest,
  processRequestTokenResponse,
  type RequestTokenParams,
  requestToken,
  type TemporaryCredentials,
} from './request-token.js'
export { MAX_RESPONSE_BYTES, type OAuth1HttpOptions, type OAuth1Response } from './response.js'
export {
  formEncode,
  type OAuth1Consumer,
  type OAuth1HttpRequest,
  type OAuth1SignatureMethod,
  type SignedAuthorizationHeaderParams,
  signedAuthorizationHeader,
} from './sign.js'

/**
 * `Authorization: Basic` for a provider's token endpoint (RFC 6749 §2.3.1): the client id and secret
 * are form-urlencoded before they are joined, so a `:` in either survives.
 */
export function clientBasicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+')
  return basicAuthorization(encode(clientId), encode(clientSecret))
}

/** `Authorization: Basic` (RFC 7617) from a user name and password sent as they are, UTF-8. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}

import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

export class OutboundBlockedError extends Error {
  override name = 'OutboundBlockedError'
  readonly code = 'PB_OUTBOUND_BLOCKED'
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number]

/**
 * Decides which addresses Patchbay may connect to. Only public unicast addresses are allowed,
 * checked after DNS resolution (so a name pointing at 10.0.0.1 or 169.254.169.254 is refused),
 * unless an operator lists a private range explicitly (local development, tests).
 */
export class AddressPolicy {
  private readonly allowed: Cidr[]

  constructor(allowPrivateRanges: readonly string[] = []) {
    this.allowed = allowPrivateRanges.map((range) => {
      try {
        return range.includes('/') ? ipaddr.parseCIDR(range) : toCidr(ipaddr.parse(range))
      } catch {
        throw new TypeError(`outbound.allowPrivateRanges: "${range}" is not an IP address or CIDR range`)
      }
    })
  }

  isAllowed(address: string): boolean {
    let ip: ipaddr.IPv4 | ipaddr.IPv6
    try {
      ip = ipaddr.parse(address)
    } catch {
      return false
    }
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address()
    if (ip.range() === 'unicast') return true
    return this.allowed.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))
  }

  /** True when plain http may be used: only towards explicitly allowed private ranges. */
  allowsPlainHttp(hostname: string): boolean {
    const host = hostname.replace(/^\[|\]$/g, '')
    if (isIP(host)) return this.allowed.length > 0 && !isPublic(host) && this.isAllowed(host)
    return host === 'localhost' && this.isAllowed('127.0.0.1')
  }

  /** Throws unless the URL's scheme and literal host are acceptable (names are checked at lookup). */
  checkUrl(url: URL): void {
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowsPlainHttp(url.hostname))) {
      throw new OutboundBlockedError(`refusing ${url.protocol} request to ${url.hostname}: https is required`)
    }
    if (url.username || url.password) throw new OutboundBlockedError('refusing a URL with credentials in it')
    const host = url.hostname.replace(/^\[|\]$/g, '')
    if (isIP(host) && !this.isAllowed(host)) {
      throw new OutboundBlockedError(`refusing to connect to ${host}: private, loopback or reserved address`)
    }
  }

  /** A `dns.lookup`-compatible function for sockets: resolves, then refuses if any address is not allowed. */
  readonly lookup = (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '')
      const refused = addresses.find((a) => !this.isAllowed(a.address))
      if (refused) {
        return callback(
          new OutboundBlockedError(`refusing to connect to ${hostname} (${refused.address}): private, loopback or reserved address`),
          '',
        )
      }
      if (options.all) return callback(null, addresses)
      const first = addresses[0] as LookupAddress
      callback(null, first.address, first.family)
    })
  }
}

function toCidr(ip: ipaddr.IPv4 | ipaddr.IPv6): Cidr {
  return [ip, ip.kind() === 'ipv4' ? 32 : 128]
}

function isPublic(address: string): boolean {
  return ipaddr.parse(address).range() === 'unicast'
}

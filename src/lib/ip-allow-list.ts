/**
 * Allow-lists of client addresses: single IPv4 / IPv6 addresses and CIDR ranges, compared after unwrapping
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`), which is how a dual-stack socket reports IPv4 clients.
 */
import ipaddr from 'ipaddr.js'
import type { FieldProblem } from '../errors.js'

type Address = ReturnType<typeof ipaddr.parse>

/** True when `address` is in one of the allow-list's ranges. */
export type IpMatcher = (address: string | undefined) => boolean

/**
 * Strict forms only: `ipaddr.parse` also takes `10.1` or `0x0a.0.0.1`, which nobody means in a
 * configuration file and which would silently allow other addresses than the ones written.
 */
function parseStrict(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text)
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text)
  return undefined
}

function unwrap(address: Address): Address {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address
}

function parseRange(entry: string): [Address, number] | undefined {
  const [text, bits, extra] = entry.split('/')
  if (text === undefined || extra !== undefined) return undefined
  const address = parseStrict(text)
  if (!address) return undefined
  const max = address.kind() === 'ipv4' ? 32 : 128
  if (bits === undefined) return [address, max]
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined
  return [address, Number(bits)]
}

/** The entries that are neither an address nor a CIDR range, each as a problem of `field`. */
export function ipAllowListProblems(entries: readonly string[], field: string): FieldProblem[] {
  return entries.flatMap((entry, i) =>
    parseRange(entry) === undefined
      ? [
          {
            field: `${field}/${i}`,
            rule: 'format',
            message: `${JSON.stringify(entry)} is neither an IP address nor a CIDR range`,
          },
        ]
      : [],
  )
}

/**
 * The matcher of an allow-list (checked beforehand with {@link ipAllowListProblems}); `undefined` allows
 * every address.
 *
 * @throws TypeError for an entry that is no address or range.
 */
export function compileIpAllowList(entries: readonly string[] | undefined): IpMatcher {
  if (entries === undefined) return () => true
  const ranges = entries.map((entry) => {
    const range = parseRange(entry)
    if (!range) throw new TypeError(`Not an IP address or CIDR range: ${JSON.stringify(entry)}`)
    const [base, bits] = range
    // A range written in IPv4-mapped form must meet the unwrapped client addresses it was written for.
    const mapped = base.kind() === 'ipv6' && (base as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96
    return mapped ? ([unwrap(base), bits - 96] as const) : ([base, bits] as const)
  })
  return (text) => {
    if (text === undefined || !ipaddr.isValid(text)) return false
    const address = unwrap(ipaddr.parse(text))
    return ranges.some(
      ([base, bits]) =>
        base.kind() === address.kind() && (address as ipaddr.IPv4).match(base as ipaddr.IPv4, bits),
    )
  }
}

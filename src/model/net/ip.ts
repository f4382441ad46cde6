/* eslint-disable no-bitwise */ // address and MAC arithmetic is bit arithmetic
import * as ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;
type Addr = ipaddr.IPv4 | ipaddr.IPv6;

/** A parsed IP address. */
export interface Ip {
  readonly family: IpFamily;
  /** Canonical text: dotted quad, or RFC 5952 lower-case IPv6. */
  readonly text: string;
  readonly addr: Addr;
}

/** A parsed `address/prefix`. */
export interface Cidr {
  readonly family: IpFamily;
  readonly ip: Ip;
  readonly prefix: number;
  /** Canonical `network/prefix` text. */
  readonly network: string;
  /** Canonical `address/prefix` text as written for the host. */
  readonly text: string;
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

function familyOf(addr: Addr): IpFamily {
  return addr.kind() === 'ipv4' ? 4 : 6;
}

function canonical(addr: Addr): string {
  return addr.kind() === 'ipv4' ? addr.toString() : (addr as ipaddr.IPv6).toRFC5952String();
}

/**
 * An IPv4 address kept as its 32-bit value, its ipaddr.js object made only when asked for (`ipRange`): a fleet resolves
 * thousands of addresses, and the rules need little more than their text and value.
 */
class Ipv4 implements Ip {
  public readonly family = 4;
  private made?: ipaddr.IPv4;

  public constructor(public readonly text: string, public readonly value: number) {}

  public get addr(): ipaddr.IPv4 {
    this.made ??= new ipaddr.IPv4(octets(this.value));
    return this.made;
  }
}

function octets(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
}

/**
 * Parses an IP address strictly: IPv4 only as four decimal parts (ipaddr.js alone also takes `10.1` or octal forms),
 * IPv6 without a zone.
 */
export function parseIp(text: unknown): Ip | undefined {
  if (typeof text !== 'string' || text.trim() !== text || text === '') return undefined;
  // The pattern admits exactly the canonical dotted quads (no leading zeros), which is all that ipaddr.js's
  // isValidFourPartDecimal admits too: the text is already canonical.
  const v4 = DOTTED_QUAD.exec(text);
  if (v4) return new Ipv4(text, Number(v4[1]) * 0x1000000 + Number(v4[2]) * 0x10000 + Number(v4[3]) * 0x100 + Number(v4[4]));
  if (!text.includes(':') || text.includes('%')) return undefined;
  let addr: Addr;
  try {
    // isValid() would parse it once more; parse() throws exactly where isValid() is false.
    addr = ipaddr.IPv6.parse(text);
  } catch {
    return undefined;
  }
  return { family: familyOf(addr), text: canonical(addr), addr };
}

/** Parses `address/prefix` strictly. */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > (ip.family === 4 ? 32 : 128)) return undefined;
  const network = networkAddress(ip, prefix);
  return { family: ip.family, ip, prefix, network: `${network.text}/${prefix}`, text: `${ip.text}/${prefix}` };
}

function v4Value(ip: Ip): number {
  if (ip instanceof Ipv4) return ip.value;
  const o = (ip.addr as ipaddr.IPv4).octets;
  return o[0] * 0x1000000 + (o[1] << 16) + (o[2] << 8) + o[3];
}

function toBigInt(ip: Ip): bigint {
  if (ip.family === 4) return BigInt(v4Value(ip));
  return ip.addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function v4FromNumber(value: number): Ip {
  return new Ipv4(octets(value).join('.'), value);
}

function v4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function fromBigInt(value: bigint, family: IpFamily): Ip {
  if (family === 4) return v4FromNumber(Number(value));
  const size = 16;
  const bytes: number[] = [];
  for (let i = size - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  const addr = ipaddr.fromByteArray(bytes);
  return { family, text: canonical(addr), addr };
}

function hostBits(family: IpFamily, prefix: number): bigint {
  const width = family === 4 ? 32 : 128;
  return (1n << BigInt(width - prefix)) - 1n;
}

/** Numeric value of an address, for ordering and range checks. */
export function ipToBigInt(ip: Ip): bigint {
  return toBigInt(ip);
}

export function networkAddress(ip: Ip, prefix: number): Ip {
  if (ip.family === 4) return v4FromNumber((v4Value(ip) & v4Mask(prefix)) >>> 0);
  const addr = new ipaddr.IPv6(v6Parts(ip).map((part, i) => part & v6PartMask(prefix, i)));
  return { family: 6, text: canonical(addr), addr };
}

function v6Parts(ip: Ip): number[] {
  return (ip.addr as ipaddr.IPv6).parts;
}

/** The bits of 16-bit part `i` of an IPv6 address that lie within `prefix` (BigInt arithmetic costs far more). */
function v6PartMask(prefix: number, i: number): number {
  const bits = Math.min(16, Math.max(0, prefix - 16 * i));
  return (0xffff << (16 - bits)) & 0xffff;
}

export function lastAddress(ip: Ip, prefix: number): Ip {
  if (ip.family === 4) return v4FromNumber((v4Value(ip) | ~v4Mask(prefix)) >>> 0);
  return fromBigInt(toBigInt(ip) | hostBits(ip.family, prefix), ip.family);
}

/** The address `offset` places after the network address. */
export function nthAddress(cidr: Cidr, offset: number): Ip {
  return fromBigInt(toBigInt(networkAddress(cidr.ip, cidr.prefix)) + BigInt(offset), cidr.family);
}

/** True when `ip` lies inside `cidr` (same family). */
export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family !== ip.family) return false;
  if (ip.family === 4) return ((v4Value(ip) ^ v4Value(cidr.ip)) & v4Mask(cidr.prefix)) === 0;
  return ip.addr.match(cidr.ip.addr, cidr.prefix);
}

/** True when the CIDR's address has host bits set (it names a host, not a network). */
export function hasHostBits(cidr: Cidr): boolean {
  return `${cidr.ip.text}/${cidr.prefix}` !== cidr.network;
}

/** IPv4 network or broadcast address of a subnet with room for both (prefix < 31), or IPv6 subnet-router anycast. */
export function isReservedInSubnet(cidr: Cidr, ip: Ip): boolean {
  if (!cidrContains(cidr, ip)) return false;
  const maxPrefix = cidr.family === 4 ? 32 : 128;
  if (cidr.prefix >= maxPrefix - 1) return false;
  if (cidr.family === 4) {
    const mask = v4Mask(cidr.prefix);
    const value = v4Value(ip);
    return (value & ~mask) === 0 || ((value | mask) >>> 0) === 0xffffffff;
  }
  return v6Parts(ip).every((part, i) => (part & ~v6PartMask(cidr.prefix, i)) === 0);
}

/** True when two CIDRs share an address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const prefix = Math.min(a.prefix, b.prefix);
  if (a.family === 4) return ((v4Value(a.ip) ^ v4Value(b.ip)) & v4Mask(prefix)) === 0;
  return networkAddress(a.ip, prefix).text === networkAddress(b.ip, prefix).text;
}

/** The ipaddr.js range name of an address (`loopback`, `multicast`, `linkLocal`, `unspecified`, ...). */
export function ipRange(ip: Ip): string {
  return ip.addr.range();
}

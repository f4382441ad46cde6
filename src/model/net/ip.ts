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
 * Parses an IP address strictly: IPv4 only as four decimal parts (ipaddr.js alone also takes `10.1` or octal forms),
 * IPv6 without a zone.
 */
export function parseIp(text: unknown): Ip | undefined {
  if (typeof text !== 'string' || text.trim() !== text || text === '') return undefined;
  // The common case without ipaddr.js's general parser: a fleet resolves thousands of addresses. The pattern admits
  // exactly the canonical dotted quads (no leading zeros), so the text is already canonical.
  const v4 = DOTTED_QUAD.exec(text);
  if (v4) return { family: 4, text, addr: new ipaddr.IPv4([Number(v4[1]), Number(v4[2]), Number(v4[3]), Number(v4[4])]) };
  let addr: Addr;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    addr = ipaddr.IPv4.parse(text);
  } else if (text.includes(':') && !text.includes('%') && ipaddr.IPv6.isValid(text)) {
    addr = ipaddr.IPv6.parse(text);
  } else {
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

function toBigInt(addr: Addr): bigint {
  if (addr.kind() === 'ipv4') return BigInt(v4Number(addr as ipaddr.IPv4));
  return addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function v4Number(addr: ipaddr.IPv4): number {
  const o = addr.octets;
  return o[0] * 0x1000000 + (o[1] << 16) + (o[2] << 8) + o[3];
}

function v4FromNumber(value: number): Ip {
  const octets = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
  return { family: 4, text: octets.join('.'), addr: new ipaddr.IPv4(octets) };
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
  return toBigInt(ip.addr);
}

export function networkAddress(ip: Ip, prefix: number): Ip {
  if (ip.family === 4) return v4FromNumber((v4Number(ip.addr as ipaddr.IPv4) & v4Mask(prefix)) >>> 0);
  return fromBigInt(toBigInt(ip.addr) & ~hostBits(ip.family, prefix), ip.family);
}

export function lastAddress(ip: Ip, prefix: number): Ip {
  if (ip.family === 4) return v4FromNumber((v4Number(ip.addr as ipaddr.IPv4) | ~v4Mask(prefix)) >>> 0);
  return fromBigInt(toBigInt(ip.addr) | hostBits(ip.family, prefix), ip.family);
}

/** The address `offset` places after the network address. */
export function nthAddress(cidr: Cidr, offset: number): Ip {
  return fromBigInt(toBigInt(networkAddress(cidr.ip, cidr.prefix).addr) + BigInt(offset), cidr.family);
}

/** True when `ip` lies inside `cidr` (same family). */
export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  return cidr.family === ip.family && ip.addr.match(networkAddress(cidr.ip, cidr.prefix).addr, cidr.prefix);
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
  const network = networkAddress(cidr.ip, cidr.prefix).text;
  if (ip.text === network) return true;
  return cidr.family === 4 && ip.text === lastAddress(cidr.ip, cidr.prefix).text;
}

/** True when two CIDRs share an address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const prefix = Math.min(a.prefix, b.prefix);
  return networkAddress(a.ip, prefix).text === networkAddress(b.ip, prefix).text;
}

/** The ipaddr.js range name of an address (`loopback`, `multicast`, `linkLocal`, `unspecified`, ...). */
export function ipRange(ip: Ip): string {
  return ip.addr.range();
}

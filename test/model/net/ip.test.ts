import * as fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';
import { cidrContains, cidrsOverlap, hasHostBits, ipRange, ipToBigInt, isReservedInSubnet, lastAddress, networkAddress, nthAddress, parseCidr, parseIp } from '../../../src/model/net/ip';

function ip(text: string) {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`bad IP in test: ${text}`);
  return parsed;
}

function cidr(text: string) {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`bad CIDR in test: ${text}`);
  return parsed;
}

describe('parseIp', () => {
  it('parses a dotted quad', () => {
    const parsed = parseIp('10.0.1.100');
    expect(parsed?.family).toBe(4);
    expect(parsed?.text).toBe('10.0.1.100');
  });

  it('writes IPv6 in canonical RFC 5952 lower-case form', () => {
    expect(parseIp('2001:DB8:0:0:0:0:0:1')?.text).toBe('2001:db8::1');
    expect(parseIp('2001:DB8:0:0:0:0:0:1')?.family).toBe(6);
    expect(parseIp('FE80:0000::0001')?.text).toBe('fe80::1');
  });

  it.each([
    ['10.1'], ['010.0.0.1'], ['0x0a.0.0.1'], ['256.1.1.1'], ['1.2.3.4.5'], [' 10.0.0.1'], ['10.0.0.1 '], [''], ['fe80::1%eth0'], ['2001:db8::g'],
    ['example.com'],
  ])('rejects %j', text => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('rejects values that are not strings', () => {
    expect(parseIp(167772161)).toBeUndefined();
    expect(parseIp(undefined)).toBeUndefined();
    expect(parseIp(null)).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('keeps the host address and computes the network', () => {
    expect(parseCidr('10.0.1.100/24')).toMatchObject({ family: 4, prefix: 24, network: '10.0.1.0/24', text: '10.0.1.100/24' });
    expect(parseCidr('10.0.1.100/24')?.ip.text).toBe('10.0.1.100');
  });

  it('canonicalizes IPv6', () => {
    expect(parseCidr('2001:DB8::10/64')).toMatchObject({ family: 6, prefix: 64, network: '2001:db8::/64', text: '2001:db8::10/64' });
  });

  it('accepts /0 and the family maximum', () => {
    expect(parseCidr('0.0.0.0/0')?.network).toBe('0.0.0.0/0');
    expect(parseCidr('10.0.0.1/32')?.network).toBe('10.0.0.1/32');
    expect(parseCidr('::/0')?.network).toBe('::/0');
    expect(parseCidr('2001:db8::1/128')?.network).toBe('2001:db8::1/128');
  });

  it.each([
    ['10.0.0.1'], ['10.0.0.0/33'], ['2001:db8::/129'], ['10.0.0.0/'], ['10.0.0.0/x'], ['10.0.0.0/-1'], ['10.0.0.0/1000'], ['10.1/16'],
    ['/24'], ['10.0.0.0/24/1'],
  ])('rejects %j', text => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('rejects values that are not strings', () => {
    expect(parseCidr(24)).toBeUndefined();
  });
});

describe('address arithmetic', () => {
  it('computes network, last and nth addresses', () => {
    expect(networkAddress(ip('10.0.1.100'), 24).text).toBe('10.0.1.0');
    expect(lastAddress(ip('10.0.1.100'), 24).text).toBe('10.0.1.255');
    expect(lastAddress(ip('10.0.1.100'), 23).text).toBe('10.0.1.255');
    expect(networkAddress(ip('10.0.1.100'), 23).text).toBe('10.0.0.0');
    expect(nthAddress(cidr('10.0.1.100/24'), 1).text).toBe('10.0.1.1');
    expect(nthAddress(cidr('10.0.1.0/24'), 256).text).toBe('10.0.2.0');
    expect(networkAddress(ip('2001:db8::1234'), 64).text).toBe('2001:db8::');
    expect(lastAddress(ip('2001:db8::1234'), 120).text).toBe('2001:db8::12ff');
    expect(nthAddress(cidr('2001:db8::/64'), 1).text).toBe('2001:db8::1');
  });

  it('converts addresses to numbers', () => {
    expect(ipToBigInt(ip('10.0.0.1'))).toBe(167772161n);
    expect(ipToBigInt(ip('::1'))).toBe(1n);
    expect(ipToBigInt(ip('255.255.255.255'))).toBe(4294967295n);
  });

  it('checks containment within one family', () => {
    expect(cidrContains(cidr('10.0.0.0/24'), ip('10.0.0.255'))).toBe(true);
    expect(cidrContains(cidr('10.0.0.0/24'), ip('10.0.1.0'))).toBe(false);
    expect(cidrContains(cidr('2001:db8::/64'), ip('2001:db8::ffff'))).toBe(true);
    expect(cidrContains(cidr('::/0'), ip('10.0.0.1'))).toBe(false);
  });

  it('detects host bits', () => {
    expect(hasHostBits(cidr('10.0.0.1/24'))).toBe(true);
    expect(hasHostBits(cidr('10.0.0.0/24'))).toBe(false);
    expect(hasHostBits(cidr('2001:db8::1/64'))).toBe(true);
    expect(hasHostBits(cidr('2001:DB8::/64'))).toBe(false);
  });

  it('detects overlapping CIDRs of the same family only', () => {
    expect(cidrsOverlap(cidr('10.0.0.0/16'), cidr('10.0.5.0/24'))).toBe(true);
    expect(cidrsOverlap(cidr('10.0.5.0/24'), cidr('10.0.0.0/16'))).toBe(true);
    expect(cidrsOverlap(cidr('10.0.0.0/24'), cidr('10.0.1.0/24'))).toBe(false);
    expect(cidrsOverlap(cidr('0.0.0.0/0'), cidr('::/0'))).toBe(false);
    expect(cidrsOverlap(cidr('2001:db8::/32'), cidr('2001:db8:1::/48'))).toBe(true);
  });

  it('names the range of an address', () => {
    expect(ipRange(ip('127.0.0.1'))).toBe('loopback');
    expect(ipRange(ip('224.0.0.1'))).toBe('multicast');
    expect(ipRange(ip('169.254.1.1'))).toBe('linkLocal');
    expect(ipRange(ip('10.0.0.1'))).toBe('private');
    expect(ipRange(ip('::'))).toBe('unspecified');
  });
});

describe('isReservedInSubnet', () => {
  it('flags the IPv4 network and broadcast addresses', () => {
    expect(isReservedInSubnet(cidr('10.0.0.0/24'), ip('10.0.0.0'))).toBe(true);
    expect(isReservedInSubnet(cidr('10.0.0.0/24'), ip('10.0.0.255'))).toBe(true);
    expect(isReservedInSubnet(cidr('10.0.0.0/24'), ip('10.0.0.1'))).toBe(false);
    expect(isReservedInSubnet(cidr('10.0.0.0/24'), ip('10.0.0.254'))).toBe(false);
  });

  it('flags nothing in /31 and /32 subnets', () => {
    expect(isReservedInSubnet(cidr('10.0.0.0/31'), ip('10.0.0.0'))).toBe(false);
    expect(isReservedInSubnet(cidr('10.0.0.0/31'), ip('10.0.0.1'))).toBe(false);
    expect(isReservedInSubnet(cidr('10.0.0.7/32'), ip('10.0.0.7'))).toBe(false);
  });

  it('flags only the subnet-router anycast address in IPv6', () => {
    expect(isReservedInSubnet(cidr('2001:db8::/64'), ip('2001:db8::'))).toBe(true);
    expect(isReservedInSubnet(cidr('2001:db8::/64'), ip('2001:db8::ffff:ffff:ffff:ffff'))).toBe(false);
    expect(isReservedInSubnet(cidr('2001:db8::/127'), ip('2001:db8::'))).toBe(false);
  });

  it('is false for addresses outside the subnet', () => {
    expect(isReservedInSubnet(cidr('10.0.0.0/24'), ip('10.0.1.0'))).toBe(false);
  });
});

describe('parseIp dotted quads', () => {
  it('agrees with ipaddr.js on every four-part form, leading zeros and out-of-range parts included', () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '007', '-1', '', 'a', '1e2'));
    fc.assert(fc.property(fc.array(part, { minLength: 4, maxLength: 4 }), parts => {
      const text = parts.join('.');
      const want = ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text).toString() : undefined;
      expect(parseIp(text)?.text).toBe(want);
    }), { numRuns: 5_000 });
  });

  it('computes IPv4 network and last addresses at every prefix', () => {
    /* eslint-disable no-bitwise */ // the expected values are bit arithmetic on the address
    const addr = parseIp('203.0.113.77')!;
    const bytes = (text: string) => ipaddr.IPv4.parse(text).toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
    const n = bytes('203.0.113.77');
    expect(ipToBigInt(addr)).toBe(n);
    for (let prefix = 0; prefix <= 32; prefix++) {
      const mask = ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n);
      expect(bytes(networkAddress(addr, prefix).text)).toBe(n & mask);
      expect(bytes(lastAddress(addr, prefix).text)).toBe(n | (((1n << 32n) - 1n) ^ mask));
    }
    /* eslint-enable no-bitwise */
  });
});

import { createHash } from 'crypto';
import { deriveMac, isLocallyAdministeredMac, isMulticastMac, normalizeMac } from '../../../src/model/net/mac';

describe('normalizeMac', () => {
  it('lower-cases a MAC', () => {
    expect(normalizeMac('02:AB:cd:EF:00:01')).toBe('02:ab:cd:ef:00:01');
  });

  it.each([['02-00-00-00-00-01'], ['0200.0000.0001'], ['02:00:00:00:00'], ['02:00:00:00:00:01:02'], ['02:00:00:00:00:0g'], [' 02:00:00:00:00:01'], ['']])(
    'rejects %j', text => {
      expect(normalizeMac(text)).toBeUndefined();
    });

  it('rejects values that are not strings', () => {
    expect(normalizeMac(0x020000000001)).toBeUndefined();
    expect(normalizeMac(undefined)).toBeUndefined();
  });
});

describe('MAC bits', () => {
  it('detects multicast MACs by the lowest bit of the first octet', () => {
    expect(isMulticastMac('01:00:5e:00:00:01')).toBe(true);
    expect(isMulticastMac('03:00:00:00:00:01')).toBe(true);
    expect(isMulticastMac('02:00:00:00:00:01')).toBe(false);
    expect(isMulticastMac('ff:ff:ff:ff:ff:ff')).toBe(true);
  });

  it('detects locally administered MACs by the second bit of the first octet', () => {
    expect(isLocallyAdministeredMac('02:00:00:00:00:01')).toBe(true);
    expect(isLocallyAdministeredMac('52:54:00:00:00:01')).toBe(true);
    expect(isLocallyAdministeredMac('00:1b:21:00:00:01')).toBe(false);
  });
});

describe('deriveMac', () => {
  it('derives the known MACs', () => {
    expect(deriveMac('default', 'vm1', 'eth1')).toBe('2e:a5:f7:be:c9:42');
    expect(deriveMac('ns', 'vm', 'net')).toBe('6a:ed:1c:60:86:84');
  });

  it('is sha256 of wukong/v1 NUL namespace NUL vm NUL nic, first 6 bytes, local bit set, multicast bit cleared', () => {
    const digest = createHash('sha256').update('wukong/v1\0prod\0web\0data').digest();
    const bytes = [...digest.subarray(0, 6)];
    bytes[0] = (bytes[0] & 0xfc) | 0x02; // eslint-disable-line no-bitwise
    expect(deriveMac('prod', 'web', 'data')).toBe(bytes.map(b => b.toString(16).padStart(2, '0')).join(':'));
  });

  it('always gives the same MAC for the same inputs', () => {
    expect(deriveMac('prod', 'web', 'data')).toBe(deriveMac('prod', 'web', 'data'));
  });

  it('changes with any of namespace, VM and NIC, and does not confuse their boundaries', () => {
    const macs = new Set([
      deriveMac('prod', 'web', 'data'), deriveMac('dev', 'web', 'data'), deriveMac('prod', 'db', 'data'), deriveMac('prod', 'web', 'mgmt'),
      deriveMac('prod', 'we', 'bdata'),
    ]);
    expect(macs.size).toBe(5);
  });

  it('gives locally administered unicast MACs in normalized form', () => {
    for (let i = 0; i < 50; i++) {
      const mac = deriveMac('ns', 'vm', `nic${i}`);
      expect(normalizeMac(mac)).toBe(mac);
      expect(isMulticastMac(mac)).toBe(false);
      expect(isLocallyAdministeredMac(mac)).toBe(true);
    }
  });
});

/* eslint-disable no-bitwise */ // address and MAC arithmetic is bit arithmetic
import { hash } from 'crypto';

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** Lower-case `xx:xx:xx:xx:xx:xx`, or undefined when `text` is not a MAC in that form. */
export function normalizeMac(text: unknown): string | undefined {
  return typeof text === 'string' && MAC.test(text) ? text.toLowerCase() : undefined;
}

function firstOctet(mac: string): number {
  return parseInt(mac.slice(0, 2), 16);
}

export function isMulticastMac(mac: string): boolean {
  return (firstOctet(mac) & 0x01) === 0x01;
}

export function isLocallyAdministeredMac(mac: string): boolean {
  return (firstOctet(mac) & 0x02) === 0x02;
}

/**
 * Derives a stable MAC for a NIC from namespace/vm/nic: sha256 of the three, first six bytes, with the
 * locally-administered bit set and the multicast bit cleared. The same inputs always give the same MAC, so a
 * re-synth never changes what the guest's network data matches on.
 */
export function deriveMac(namespace: string, vmName: string, nicName: string): string {
  // One-shot hash(): a fleet derives a MAC per NIC, and a Hash object (createHash) costs several times more.
  const bytes = [...hash('sha256', `wukong/v1\0${namespace}\0${vmName}\0${nicName}`, 'buffer').subarray(0, 6)];
  bytes[0] = (bytes[0] & 0xfc) | 0x02;
  return bytes.map(b => b.toString(16).padStart(2, '0')).join(':');
}

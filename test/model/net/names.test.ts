import { createHash } from 'crypto';
import { cloudInitSecretName, dns1123LabelProblem, formatNadRef, kubeOvnProvider, parseNadRef, sharedNadName, vmKey } from '../../../src/model';
import { DNS1123_LABEL_MAX, LINUX_IFNAME_MAX, defaultNadName, labelValueProblem, linuxIfnameProblem, metadataKeyProblem, podInterfaceName } from '../../../src/model/net/names';

describe('dns1123LabelProblem', () => {
  it.each([['a'], ['vm-1'], ['0abc'], ['a'.repeat(63)]])('accepts %j', name => {
    expect(dns1123LabelProblem(name)).toBeUndefined();
  });

  it('fails if the name is empty', () => {
    expect(dns1123LabelProblem('')).toBe('must not be empty');
  });

  it('fails if the name is longer than 63 characters', () => {
    expect(DNS1123_LABEL_MAX).toBe(63);
    expect(dns1123LabelProblem('a'.repeat(64))).toBe('is 64 characters long; the limit is 63');
  });

  it.each([['Vm1'], ['-vm'], ['vm-'], ['vm_1'], ['vm.1'], ['vm 1']])('fails if the name is %j (not a DNS-1123 label)', name => {
    expect(dns1123LabelProblem(name)).toMatch(/not a DNS-1123 label; use lower-case letters, digits and '-'/);
  });
});

describe('linuxIfnameProblem', () => {
  it.each([['eth0'], ['br-data'], ['a'.repeat(15)], ['eth0.100']])('accepts %j', name => {
    expect(linuxIfnameProblem(name)).toBeUndefined();
  });

  it('fails if the name is longer than 15 characters', () => {
    expect(LINUX_IFNAME_MAX).toBe(15);
    expect(linuxIfnameProblem('a'.repeat(16))).toBe('is 16 characters long; Linux interface names hold at most 15');
  });

  it.each([['.'], ['..'], ['a/b'], ['a:b'], ['a b'], ['a\tb']])('fails if the name is %j', name => {
    expect(linuxIfnameProblem(name)).toMatch(/not a valid Linux interface name \(no '\/', ':' or spaces\)/);
  });

  it('fails if the name is empty', () => {
    expect(linuxIfnameProblem('')).toBe('must not be empty');
  });
});

describe('metadataKeyProblem', () => {
  it.each([['app'], ['example.com/app'], ['app.kubernetes.io/name'], ['A_b.c-D'], ['a'.repeat(63)]])('accepts %j', key => {
    expect(metadataKeyProblem(key)).toBeUndefined();
  });

  it.each([['Example.com/app'], ['/app'], ['exa_mple.com/app'], ['a/b/c']])('fails if the prefix of %j is not a DNS subdomain', key => {
    expect(metadataKeyProblem(key)).toBe('has a prefix that is not a DNS subdomain');
  });

  it.each([['-app'], ['app-'], ['a'.repeat(64)], ['example.com/'], [''], ['a b']])('fails if the name part of %j is invalid', key => {
    expect(metadataKeyProblem(key)).toMatch(/not a valid key: the name part needs 1-63 letters/);
  });
});

describe('labelValueProblem', () => {
  it.each([[''], ['v1.2_x-y'], ['a'.repeat(63)]])('accepts %j', value => {
    expect(labelValueProblem(value)).toBeUndefined();
  });

  it.each([['a b'], ['-a'], ['a.'], ['a'.repeat(64)], ['a/b']])('fails if the value is %j', value => {
    expect(labelValueProblem(value)).toMatch(/not a valid label value: up to 63 letters/);
  });
});

describe('derived names', () => {
  it('names a VM-owned NAD {vm}-{nic}-nad', () => {
    expect(defaultNadName('web', 'data')).toBe('web-data-nad');
  });

  it('names a MultiNic NAD {set}-{net}-nad', () => {
    expect(sharedNadName('rack1', 'storage')).toBe('rack1-storage-nad');
  });

  it('splits and formats NAD references (name, or namespace/name from another namespace), and names VMs namespace/name', () => {
    expect(parseNadRef('net1', 'prod')).toEqual({ namespace: 'prod', name: 'net1' });
    expect(parseNadRef('infra/net1', 'prod')).toEqual({ namespace: 'infra', name: 'net1' });
    expect(formatNadRef({ namespace: 'prod', name: 'net1' }, 'prod')).toBe('net1');
    expect(formatNadRef({ namespace: 'infra', name: 'net1' }, 'prod')).toBe('infra/net1');
    for (const ref of ['net1', 'infra/net1']) expect(formatNadRef(parseNadRef(ref, 'prod'), 'prod')).toBe(ref);
    expect(vmKey({ name: 'web', namespace: 'prod' })).toBe('prod/web');
    expect(vmKey({ name: 'web' })).toBe('default/web');
  });

  it('builds the Kube-OVN provider <nad>.<namespace>.ovn', () => {
    expect(kubeOvnProvider('web-data-nad', 'prod')).toBe('web-data-nad.prod.ovn');
  });

  it('names the cloud-init Secret {vm}-cloudinit', () => {
    expect(cloudInitSecretName('web')).toBe('web-cloudinit');
  });

  it.each([['data'], ['eth1'], ['ovn-2']])('names the pod interface of %j pod + 11 hex digits of sha256', name => {
    const expected = `pod${createHash('sha256').update(name).digest('hex').slice(0, 11)}`;
    expect(podInterfaceName(name)).toBe(expected);
    expect(podInterfaceName(name)).toMatch(/^pod[0-9a-f]{11}$/);
  });

  it('gives the known pod interface names', () => {
    expect(podInterfaceName('ovn1')).toBe('podb874fde8bed');
    expect(podInterfaceName('ovn2')).toBe('pod2966933e4e3');
  });
});

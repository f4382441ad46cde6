/** The guest checks used on every example can fail: they catch a wrong MAC, a lost route and a stray default route. */
import { eniProblems, netplanProblems, render, sysconfigProblems } from './support/cloud-init';
import { describeWithCluster, testCluster } from './support/cluster';
import { resolveVm } from '../../src';
import { buildNetworkData, networkDataYaml } from '../../src/model/render/cloud-init';

describeWithCluster('the guest network checks', () => {
  const cloudInit = testCluster()!.cloudInit;
  const vm = resolveVm({ name: 'vm' }, {
    networks: [
      { name: 'eth0', ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1', dnsServers: ['10.0.0.53'] } },
      { name: 'eth1', ipConfig: { address: '10.1.0.5/24' }, routes: [{ destination: '10.8.0.0/16', gateway: '10.1.0.1', metric: 50 }] },
    ],
  }).vm!;
  const good = buildNetworkData(vm);

  it('pass on the network data Wukong writes', () => {
    const text = networkDataYaml(good);
    expect([
      ...netplanProblems(vm, render(cloudInit, text, 'netplan')),
      ...eniProblems(vm, render(cloudInit, text, 'eni')),
      ...sysconfigProblems(vm, render(cloudInit, text, 'sysconfig')),
    ]).toEqual([]);
  });

  it('fail on a wrong MAC, a lost route and a default route on a secondary NIC', () => {
    const broken = structuredClone(good) as any;
    broken.ethernets.eth0.match.macaddress = '02:00:00:00:00:99';
    broken.ethernets.eth1.routes = [{ to: '0.0.0.0/0', via: '10.1.0.1', metric: 10 }];
    const text = networkDataYaml(broken);
    for (const problems of [
      netplanProblems(vm, render(cloudInit, text, 'netplan')),
      eniProblems(vm, render(cloudInit, text, 'eni')),
      sysconfigProblems(vm, render(cloudInit, text, 'sysconfig')),
    ]) {
      expect(problems.join('\n')).toMatch(/eth0.*(02:00:00:00:00:99|HWADDR|udev)/);
      expect(problems.join('\n')).toMatch(/eth1.*(route 10\.8\.0\.0\/16|default route)/);
    }
  });
});

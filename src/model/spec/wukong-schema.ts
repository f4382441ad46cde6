import { S } from './shape';
import {
  IP_DELIVERIES, IP_MODES, LINK_STATES, NETWORK_DATA_DELIVERIES, NETWORK_TYPES, NIC_PRESENCES, ON_MISSING_MULTUS, RUN_STRATEGIES,
} from './types';

/** Shape of a route (`RouteConfig`). */
export const ROUTE_SHAPE = S.object({ destination: S.string, gateway: S.string, metric: S.number }, ['destination']);

/** Shape of a Kube-OVN subnet (`SubnetConfig`). */
export const SUBNET_SHAPE = S.object({
  name: S.string,
  cidrBlock: S.string,
  gateway: S.string,
  excludeIps: S.list(S.string),
  provider: S.string,
  vlan: S.string,
  vpc: S.string,
  mtu: S.number,
  natOutgoing: S.bool,
  private: S.bool,
}, ['cidrBlock']);

/** Shape of one NIC (`NetworkConfig`). */
export const NETWORK_SHAPE = S.object({
  name: S.string,
  type: S.enum(NETWORK_TYPES),
  nadName: S.string,
  vlanId: S.number,
  bridgeName: S.string,
  master: S.string,
  resourceName: S.string,
  ipConfig: S.object({
    mode: S.enum(IP_MODES),
    address: S.string,
    addresses: S.list(S.string),
    gateway: S.string,
    gateway6: S.string,
    dnsServers: S.list(S.string),
    searchDomains: S.list(S.string),
    delivery: S.enum(IP_DELIVERIES),
  }),
  primary: S.bool,
  priority: S.number,
  mtu: S.number,
  routes: S.list(ROUTE_SHAPE),
  macAddress: S.string,
  subnet: SUBNET_SHAPE,
  cniVersion: S.string,
  sharedBy: S.string,
  state: S.enum(NIC_PRESENCES),
  linkState: S.enum(LINK_STATES),
}, ['name']);

/** Shape of `WukongSpec`. */
export const SPEC_SHAPE = S.object({
  cpu: S.number,
  memory: S.string,
  image: S.string,
  runStrategy: S.enum(RUN_STRATEGIES),
  userData: S.string,
  networks: S.list(NETWORK_SHAPE),
  podNetwork: S.object({
    enabled: S.bool,
    name: S.string,
    primary: S.bool,
    priority: S.number,
    macAddress: S.string,
    routes: S.list(ROUTE_SHAPE),
  }),
  networkDataDelivery: S.enum(NETWORK_DATA_DELIVERIES),
  onMissingMultus: S.enum(ON_MISSING_MULTUS),
});

/** Shape of `metadata` of a Wukong object. */
export const METADATA_SHAPE = S.object({
  name: S.string,
  namespace: S.string,
  labels: S.stringMap,
  annotations: S.stringMap,
}, ['name']);

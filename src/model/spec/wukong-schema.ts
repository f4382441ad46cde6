import {
  ACCESS_MODES, DISK_BUSES, EVICTION_STRATEGIES, INSTANCETYPE_KINDS, LABEL_SELECTOR_OPERATORS, NODE_SELECTOR_OPERATORS, PREFERENCE_KINDS,
  PULL_METHODS, TAINT_EFFECTS, TOLERATION_OPERATORS, VOLUME_MODES,
} from './machine';
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

const NAMED_IN_NAMESPACE = S.object({ name: S.string, namespace: S.string }, ['name']);

/** Shape of a disk (`DiskConfig`). */
export const DISK_SHAPE = S.object({
  name: S.string,
  bus: S.enum(DISK_BUSES),
  bootOrder: S.number,
  dataVolume: S.object({
    source: S.object({
      registry: S.object({ url: S.string, pullMethod: S.enum(PULL_METHODS) }, ['url']),
      http: S.object({ url: S.string }, ['url']),
      pvc: NAMED_IN_NAMESPACE,
      snapshot: NAMED_IN_NAMESPACE,
    }),
    size: S.string,
    storageClassName: S.string,
    accessModes: S.list(S.enum(ACCESS_MODES)),
    volumeMode: S.enum(VOLUME_MODES),
  }, ['source', 'size']),
  persistentVolumeClaim: S.object({ claimName: S.string, readOnly: S.bool }, ['claimName']),
}, ['name']);

const requirement = (operators: readonly string[]) => S.object({ key: S.string, operator: S.enum(operators), values: S.list(S.string) }, ['key', 'operator']);
const NODE_SELECTOR_TERM = S.object({
  matchExpressions: S.list(requirement(NODE_SELECTOR_OPERATORS)),
  matchFields: S.list(requirement(NODE_SELECTOR_OPERATORS)),
});
const POD_AFFINITY_TERM = S.object({
  labelSelector: S.object({ matchLabels: S.stringMap, matchExpressions: S.list(requirement(LABEL_SELECTOR_OPERATORS)) }),
  namespaces: S.list(S.string),
  topologyKey: S.string,
}, ['topologyKey']);
const POD_AFFINITY = S.object({
  requiredDuringSchedulingIgnoredDuringExecution: S.list(POD_AFFINITY_TERM),
  preferredDuringSchedulingIgnoredDuringExecution: S.list(S.object({ weight: S.number, podAffinityTerm: POD_AFFINITY_TERM }, ['weight', 'podAffinityTerm'])),
});

/** Shape of a core/v1 Affinity (`AffinityConfig`). */
export const AFFINITY_SHAPE = S.object({
  nodeAffinity: S.object({
    requiredDuringSchedulingIgnoredDuringExecution: S.object({ nodeSelectorTerms: S.list(NODE_SELECTOR_TERM) }, ['nodeSelectorTerms']),
    preferredDuringSchedulingIgnoredDuringExecution: S.list(S.object({ weight: S.number, preference: NODE_SELECTOR_TERM }, ['weight', 'preference'])),
  }),
  podAffinity: POD_AFFINITY,
  podAntiAffinity: POD_AFFINITY,
});

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
  disks: S.list(DISK_SHAPE),
  instancetype: S.object({ name: S.string, kind: S.enum(INSTANCETYPE_KINDS) }, ['name']),
  preference: S.object({ name: S.string, kind: S.enum(PREFERENCE_KINDS) }, ['name']),
  resources: S.object({ requests: S.stringMap, limits: S.stringMap }),
  nodeSelector: S.stringMap,
  affinity: AFFINITY_SHAPE,
  tolerations: S.list(S.object({
    key: S.string,
    operator: S.enum(TOLERATION_OPERATORS),
    value: S.string,
    effect: S.enum(TAINT_EFFECTS),
    tolerationSeconds: S.number,
  })),
  evictionStrategy: S.enum(EVICTION_STRATEGIES),
  terminationGracePeriodSeconds: S.number,
  virtualMachine: S.json,
});

/** Shape of `metadata` of a Wukong object. */
export const METADATA_SHAPE = S.object({
  name: S.string,
  namespace: S.string,
  labels: S.stringMap,
  annotations: S.stringMap,
}, ['name']);

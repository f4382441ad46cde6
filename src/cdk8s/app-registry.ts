import { IConstruct } from 'constructs';
import { Inventory, WukongValidationError } from '../model';

/** Something that provides shared NADs to VMs by name (a MultiNic). */
export interface ISharedNetworks {
  /** Makes sure the shared NADs (and Subnets) exist in `namespace`. */
  attachTo(namespace: string): void;
}

const REGISTRIES = new WeakMap<IConstruct, AppRegistry>();

/**
 * Per-app state for rules that span constructs: the inventory of MACs, NADs, Subnets and IPs, and the MultiNics by
 * name. Keyed by the construct tree's root, so separate apps never see each other.
 */
export class AppRegistry {
  /** The registry of the app `scope` belongs to. */
  public static of(scope: IConstruct): AppRegistry {
    const root = scope.node.root;
    let registry = REGISTRIES.get(root);
    if (!registry) {
      registry = new AppRegistry();
      REGISTRIES.set(root, registry);
    }
    return registry;
  }

  public readonly inventory = new Inventory();
  private readonly sharedNetworks = new Map<string, { owner: string; networks: ISharedNetworks }>();

  private constructor() {}

  public registerSharedNetworks(name: string, owner: string, networks: ISharedNetworks): void {
    const previous = this.sharedNetworks.get(name);
    if (previous) {
      throw new WukongValidationError(`MultiNic '${owner}'`, [{
        severity: 'error', path: 'name', message: `'${name}' is already the name of MultiNic '${previous.owner}'; give each MultiNic its own name`,
      }]);
    }
    this.sharedNetworks.set(name, { owner, networks });
  }

  public sharedNetworksNamed(name: string): ISharedNetworks | undefined {
    return this.sharedNetworks.get(name)?.networks;
  }
}

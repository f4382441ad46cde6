import { Construct } from 'constructs';
import { RouteConfig } from '../model';

/** Props of a `Route`. */
export interface RouteProps extends RouteConfig {
  /** Name of the VM NIC the route leaves through (`networks[].name`, or the pod network's name). */
  readonly nic: string;
}

/** Anything that takes routes: a `WukongVm`. */
export interface IRouteTarget {
  /** Throws when the route does not fit the VM. @internal */
  _checkRoute(props: RouteProps): void;
  /** @internal */
  _registerRoute(route: Route): void;
}

/**
 * A static route on one NIC of a VM, rendered into the guest's cloud-init network data (`routes[]` of that NIC, with
 * `via` and `metric`). The gateway must be reachable through the NIC's own subnet.
 *
 * Create one with `vm.addRoute(nic, props)`, or `new Route(vm, id, props)`.
 *
 * @see https://cloudinit.readthedocs.io/en/latest/reference/network-config-format-v2.html
 */
export class Route extends Construct {
  public readonly nic: string;
  public readonly destination: string;
  public readonly gateway?: string;
  public readonly metric?: number;

  public constructor(vm: Construct & IRouteTarget, id: string, props: RouteProps) {
    vm._checkRoute(props);
    super(vm, id);
    this.nic = props.nic;
    this.destination = props.destination;
    this.gateway = props.gateway;
    this.metric = props.metric;
    vm._registerRoute(this);
  }

  /** The route as the model sees it. */
  public toConfig(): RouteConfig {
    return { destination: this.destination, gateway: this.gateway, metric: this.metric };
  }
}

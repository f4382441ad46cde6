import { formatNadRef } from '../model';
import { KubeOvnSubnet } from './kube-ovn-subnet';
import { Nad } from './nad';
import type { WukongVm } from './wukong-vm';

/**
 * One NIC of a `WukongVm`, as returned by `addNic()`. Values are read from the VM's current spec, so they stay right
 * when later NICs change which one is primary.
 */
export class WukongNic {
  private _nad?: Nad;
  private _subnet?: KubeOvnSubnet;

  /** @internal */
  public constructor(private readonly vm: WukongVm, public readonly name: string) {}

  /** The MAC pinned on the interface and matched by the guest's network data. */
  public get macAddress(): string {
    return this.resolved.mac;
  }

  /** `bridge`, `macvlan`, `sriov`, `ovs`, `kube-ovn`, or `pod` for the pod network. */
  public get type(): string {
    return this.resolved.type;
  }

  /** True for the NIC carrying the default route. */
  public get primary(): boolean {
    return this.resolved.primary;
  }

  /** The VM network's `multus.networkName`; undefined for the pod network. */
  public get networkName(): string | undefined {
    const nad = this.resolved.nad;
    if (!nad) return undefined;
    return formatNadRef(nad, this.vm.namespace);
  }

  /** The NAD this VM created for the NIC; undefined for reused (`nadName`) and MultiNic NADs. */
  public get nad(): Nad | undefined {
    return this._nad;
  }

  /** The Kube-OVN Subnet this VM created for the NIC. */
  public get subnet(): KubeOvnSubnet | undefined {
    return this._subnet;
  }

  /** @internal */
  public _setNad(nad: Nad): void {
    this._nad = nad;
  }

  /** @internal */
  public _setSubnet(subnet: KubeOvnSubnet): void {
    this._subnet = subnet;
  }

  private get resolved() {
    return this.vm._resolvedNic(this.name)!;
  }
}

/**
 * Rules that span VMs: MACs unique across the whole app, one owner per NAD and per Subnet name, no overlapping
 * Kube-OVN subnets in one VPC, and no IP address used twice on the same network. Both the cdk8s app and the CLI feed
 * every VM through one inventory.
 */
import { ResolvedSubnet, ResolvedVm } from './resolved';
import { Cidr, cidrsOverlap } from '../net/ip';
import { Issue, fieldPath, show } from '../spec/issues';

interface Seen {
  readonly owner: string;
  readonly path: string;
  /** Appended to `path` when a conflict names it: joined only then, as a fleet claims thousands without conflict. */
  readonly field?: string;
}

function pathOf(s: Seen): string {
  return s.field ? fieldPath(s.path, s.field) : s.path;
}

function where(s: Seen): string {
  return `${s.owner} (${pathOf(s)})`;
}

/** What an app's VMs have claimed so far (MACs, static IPs, NADs, Subnets): each claim returns its conflicts with earlier ones. */
export class Inventory {
  private readonly macs = new Map<string, Seen>();
  private readonly nads = new Map<string, Seen>();
  private readonly subnetNames = new Map<string, Seen & { readonly spec: string }>();
  private readonly subnets: Array<Seen & { readonly name: string; readonly key: string; readonly cidrs: Cidr[] }> = [];
  private readonly ips = new Map<string, Seen>();

  /**
   * Records a VM's MACs and static IPs; returns the conflicts with what was recorded before. Whoever creates a NAD or
   * Subnet records it with `addNad`/`addSubnet`.
   */
  public addVm(vm: ResolvedVm, owner: string): Issue[] {
    const issues: Issue[] = [];
    for (const nic of vm.nics) {
      const conflict = this.claim(this.macs, nic.mac, { owner, path: nic.path, field: 'macAddress' });
      if (conflict) issues.push(error(`${nic.path}.macAddress`, `${show(nic.mac)} is already the MAC of ${where(conflict)}; MACs must be unique across the app`, [pathOf(conflict)]));
      if (!nic.nad || nic.ip.mode !== 'static') continue;
      const network = `${nic.nad.namespace}/${nic.nad.name}`;
      for (const a of nic.ip.addresses) {
        const ipConflict = this.claim(this.ips, `${network}|${a.ip.text}`, { owner, path: nic.path, field: 'ipConfig' });
        if (ipConflict) {
          issues.push(error(`${nic.path}.ipConfig`, `${a.ip.text} is already used on network ${network} by ${where(ipConflict)}; give each VM its own address`, [pathOf(ipConflict)]));
        }
      }
    }
    return issues;
  }

  /** Records a NAD by namespace/name; a second owner is a conflict. */
  public addNad(namespace: string, name: string, owner: string, path: string): Issue[] {
    const conflict = this.claim(this.nads, `${namespace}/${name}`, { owner, path });
    return conflict ? [error(path, `NAD '${namespace}/${name}' is also created by ${where(conflict)}; rename one of them`, [pathOf(conflict)])] : [];
  }

  /** Records a Kube-OVN Subnet (cluster-scoped): one owner per name, no overlap with another subnet of its VPC and VLAN. */
  public addSubnet(subnet: ResolvedSubnet, owner: string, path: string): Issue[] {
    const spec = JSON.stringify(subnet.spec);
    const previous = this.subnetNames.get(subnet.name);
    if (previous) {
      if (previous.owner === owner && previous.spec === spec) return [];
      return [error(fieldPath(path, 'name'), `Subnet '${subnet.name}' is also created by ${where(previous)}; Subnets are cluster-scoped, so give this one another name`, [pathOf(previous)])];
    }
    this.subnetNames.set(subnet.name, { owner, path, spec });
    const key = `${subnet.spec.vpc ?? ''}|${subnet.spec.vlan ?? ''}`;
    const issues: Issue[] = [];
    for (const other of this.subnets) {
      if (other.key !== key) continue;
      const overlap = subnet.cidrs.find(c => other.cidrs.some(o => cidrsOverlap(c, o)));
      if (overlap) {
        issues.push(error(fieldPath(path, 'cidrBlock'), `${overlap.network} overlaps Subnet '${other.name}' of ${where(other)} in the same VPC; Kube-OVN rejects overlapping subnets, pick a disjoint CIDR`, [pathOf(other)]));
      }
    }
    this.subnets.push({ owner, path, name: subnet.name, key, cidrs: subnet.cidrs });
    return issues;
  }

  private claim(map: Map<string, Seen>, key: string, seen: Seen): Seen | undefined {
    const previous = map.get(key);
    if (previous && previous.owner !== seen.owner) return previous;
    if (!previous) map.set(key, seen);
    return undefined;
  }
}

/** An error whose message names `cites`, the conflicting owner's field paths. */
function error(path: string, message: string, cites: string[]): Issue {
  return { severity: 'error', path, message, cites: cites.filter(Boolean) };
}

import {
  VirtualMachineSpec, VirtualMachineSpecTemplateSpecDomainMemoryGuest,
} from '../../imports/kubevirt.io';
import { KvVirtualMachineSpec } from '../model';

/**
 * Maps the model's VirtualMachine spec onto the generated `kubevirt.io` classes. Only quantities need converting;
 * every other field has the same shape, so the compiler checks the two stay in step.
 */
export function toKubeVirtSpec(spec: KvVirtualMachineSpec): VirtualMachineSpec {
  const { domain } = spec.template.spec;
  return {
    runStrategy: spec.runStrategy,
    template: {
      metadata: spec.template.metadata,
      spec: {
        ...spec.template.spec,
        domain: { ...domain, memory: { guest: VirtualMachineSpecTemplateSpecDomainMemoryGuest.fromString(domain.memory.guest) } },
      },
    },
  };
}

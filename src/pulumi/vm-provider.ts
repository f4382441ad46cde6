/**
 * The provider object Pulumi serializes into every WukongVmResource's state. It stays tiny and holds nothing but the
 * module path of its implementation, loaded at run time in the dynamic-provider host from the installed wukong-iac
 * package: no credentials or configuration are ever captured, and a newer wukong-iac reaches existing resources.
 */
import type * as pulumi from '@pulumi/pulumi';
import type * as Impl from './vm-provider-impl';

/**
 * The implementation, as the host resolves it from the program's node_modules. A function, not a module constant:
 * tsc compiles a reference to an exported constant to `exports.X`, which the closure serializer does not capture (the
 * host's `exports` has no such key, and `require(undefined)` failed in every packed install); a function is captured.
 */
function implModule(): string {
  return 'wukong-iac/lib/src/pulumi/vm-provider-impl';
}
/** Module path of the provider's implementation, required at run time by the dynamic-provider host; the serialized provider holds it. */
export const PROVIDER_IMPL_MODULE = implModule();

function impl(): typeof Impl {
  // A run-time require: the closure serializer would otherwise inline the whole library into the state.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(implModule());
}

/** The Pulumi dynamic provider of `WukongVmResource`: each operation loads the implementation module at run time and calls it. */
export const wukongVmProvider: pulumi.dynamic.ResourceProvider = {
  check: (olds, news) => impl().check(olds, news),
  diff: (id, olds, news) => impl().diff(id, olds, news),
  create: inputs => impl().create(inputs),
  read: (id, props) => impl().read(id, props),
  update: (id, olds, news) => impl().update(id, olds, news),
  delete: (id, props) => impl().delete(id, props),
};

/** Pulumi mocks that also record what each resource registration asked for (type, dependencies, provider). */
import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import { setMockOptions } from '@pulumi/pulumi/runtime/settings';

// The runtime's settings store (not in the package's type declarations).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getStore } = require('@pulumi/pulumi/runtime/state') as { getStore(): Record<string, unknown> };

export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: any;
  readonly dependencies: string[];
  readonly provider: string;
  readonly parent: string;
}

class RecordingMonitor extends MockMonitor {
  public readonly registrations: Registration[] = [];

  public override async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
    await super.registerResource(req, (err, response) => {
      if (!err) {
        this.registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: response.getUrn(),
          inputs: req.getObject()?.toJavaScript() ?? {},
          dependencies: req.getDependenciesList(),
          provider: req.getProvider(),
          parent: req.getParent(),
        });
      }
      callback(err, response);
    });
  }
}

/** Installs recording mocks; dynamic resources get a fixed uid so their outputs resolve. */
export async function recordingMocks(): Promise<Registration[]> {
  const mocks: pulumi.runtime.Mocks = {
    newResource: args => ({ id: `${args.name}-id`, state: { ...args.inputs, ...(args.type.startsWith('pulumi-nodejs:dynamic') ? { uid: 'mock-uid' } : {}) } }),
    call: args => args.inputs,
  };
  await pulumi.runtime.setMocks(mocks, 'project', 'stack', false);
  const flags = { ...getStore() };
  const monitor = new RecordingMonitor(mocks);
  setMockOptions(monitor, 'project', 'stack', false);
  // setMockOptions resets the feature flags setMocks turned on (secrets among them): turn them on again.
  Object.assign(getStore(), Object.fromEntries(Object.entries(flags).filter(([k]) => k.startsWith('supports'))));
  return monitor.registrations;
}

/** Waits for an output's value. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise(resolve => output.apply(v => {
    resolve(v);
    return v;
  }));
}

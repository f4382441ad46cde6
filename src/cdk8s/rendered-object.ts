import { ApiObject } from 'cdk8s';

/**
 * The generated class `Base` (from `imports/`, or cdk8s-plus's `k8s`), serializing the props it was given as they
 * are. Wukong's model renders each object in the API's JSON shape already; the generated `toJson` would walk it field
 * by field again to build the same object, a third of `app.synthYaml()` for a fleet. What `ApiObject.toJson` does is
 * kept: Lazy values resolved, keys sorted, `addJsonPatch` escape hatches applied.
 */
export function renderedAs<T extends new (...args: any[]) => ApiObject>(Base: T): T {
  return class extends Base {
    public toJson(): any {
      return ApiObject.prototype.toJson.call(this);
    }
  };
}

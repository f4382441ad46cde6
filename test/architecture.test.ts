/** The layering ARCHITECTURE.md promises, checked on the sources. */
import { readFileSync, readdirSync, statSync } from 'fs';
import { join, relative } from 'path';

const ROOT = join(__dirname, '..');
const MODEL = join(ROOT, 'src', 'model');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap(f => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? sources(path) : f.endsWith('.ts') ? [path] : [];
  });
}

describe('src/model', () => {
  it('fails if a model file imports cdk8s, Pulumi, the Kubernetes client or an adapter', () => {
    const outside: string[] = [];
    for (const file of sources(MODEL)) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gms)) {
        const escapes = spec.startsWith('.') && relative(MODEL, join(file, '..', spec)).startsWith('..');
        if (escapes || /^(cdk8s|constructs|@pulumi\/|@kubernetes\/)/.test(spec)) outside.push(`${relative(ROOT, file)}: ${spec}`);
      }
    }
    expect(sources(MODEL).length).toBeGreaterThan(20);
    expect(outside).toEqual([]);
  });
});

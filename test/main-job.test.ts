import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { TS_EXAMPLES, wukongExamples } from '../examples/main';
import { schemaProblems } from './support/crd-schema';

const ROOT = join(__dirname, '..');

describe('npx cdk8s synth (the README\'s main job)', () => {
  const out = mkdtempSync(join(tmpdir(), 'wukong-synth-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes one valid manifest file per example', () => {
    execFileSync('npx', ['cdk8s', 'synth', '--output', out], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
    const files = readdirSync(out).sort();
    const expected = [
      ...Object.keys(TS_EXAMPLES),
      ...wukongExamples().map(f => `wukong-${f.split('/').pop()!.replace(/\.yaml$/, '')}`),
    ].map(n => `${n}.k8s.yaml`).sort();
    expect(files).toEqual(expected);
    for (const file of files) {
      const objects = parseAllDocuments(readFileSync(join(out, file), 'utf8')).map(d => d.toJS());
      expect(objects.length).toBeGreaterThan(0);
      expect(objects.flatMap(schemaProblems)).toEqual([]);
    }
  }, 120_000);
});

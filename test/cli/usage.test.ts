import { readFileSync } from 'fs';
import { join } from 'path';
import { ROOT, wukong } from '../support/cli';

describe('the CLI reference (docs/cli.md)', () => {
  it('shows `wukong help` exactly as the bin prints it', () => {
    const page = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
    const usage = /## Usage\n[\s\S]*?```text\n([\s\S]*?)\n```/.exec(page)?.[1];
    const r = wukong(['help']);
    expect(r.code).toBe(0);
    expect(usage).toBe(r.stdout.trimEnd());
  });
});

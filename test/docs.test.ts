/**
 * The documentation's shape, as issue 16 defines it: a short README linking every guide page, links that resolve,
 * an ARCHITECTURE.md that names every folder of src/ and of the test bed, and a changelog entry for the version.
 * (The commands in README and guide pages are run by test/integration/readme.test.ts.)
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'fs';
import { dirname, join, relative } from 'path';

const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Markdown files of the documentation, relative to the root. */
function markdownFiles(): string[] {
  const docs = (dir: string): string[] => readdirSync(join(ROOT, dir)).flatMap(f => {
    const path = join(dir, f);
    if (statSync(join(ROOT, path)).isDirectory()) return path === join('docs', 'api') ? [] : docs(path);
    return f.endsWith('.md') ? [path] : [];
  });
  return ['README.md', 'ARCHITECTURE.md', 'CHANGELOG.md', ...docs('docs')];
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const outside = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...outside.matchAll(/^#{1,6} (.+)$/gm)].map(m => anchor(m[1])));
}

/** Relative links `[text](target)` outside code blocks. */
function linksOf(markdown: string): string[] {
  const outside = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`]*`/g, '');
  return [...outside.matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1]).filter(t => !/^[a-z]+:/.test(t));
}

function directories(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).filter(f => statSync(join(ROOT, dir, f)).isDirectory())
    .flatMap(f => [join(dir, f), ...directories(join(dir, f))]);
}

describe('the documentation', () => {
  it('fails if the README is 10 KB or more', () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThan(10_000);
  });

  it('fails if a guide page or the decision records are not linked from the README', () => {
    const readme = read('README.md');
    const pages = readdirSync(join(ROOT, 'docs')).filter(f => f.endsWith('.md')).map(f => `docs/${f}`);
    expect(pages.length).toBeGreaterThan(5);
    expect(pages.filter(p => !readme.includes(`](${p})`))).toEqual([]);
    expect(readme).toContain('](docs/decisions/README.md)');
  });

  it('fails if a decision record is not listed in its index', () => {
    const index = read('docs/decisions/README.md');
    const records = readdirSync(join(ROOT, 'docs', 'decisions')).filter(f => /^\d{4}-.+\.md$/.test(f));
    expect(records.length).toBeGreaterThanOrEqual(6);
    expect(records.filter(r => !index.includes(`](${r})`))).toEqual([]);
  });

  it('fails if a relative link points at no file or no heading', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      for (const link of linksOf(read(file))) {
        const [path, hash] = link.split('#');
        const target = path ? relative(ROOT, join(ROOT, dirname(file), path)) : file;
        if (!existsSync(join(ROOT, target))) broken.push(`${file}: ${link} (no ${target})`);
        else if (hash && target.endsWith('.md') && !anchorsOf(read(target)).has(hash)) broken.push(`${file}: ${link} (no heading #${hash})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('fails if ARCHITECTURE.md leaves out a folder of src/ or of the test bed', () => {
    const architecture = read('ARCHITECTURE.md');
    const folders = [...directories('src'), ...readdirSync(join(ROOT, 'testbed')).filter(f => statSync(join(ROOT, 'testbed', f)).isDirectory()).map(f => `testbed/${f}`)];
    expect(folders.length).toBeGreaterThan(10);
    expect(folders.filter(f => !architecture.includes(`\`${f}/\``))).toEqual([]);
  });

  it('fails if the package version is 0.0.0 or has no changelog entry', () => {
    const { version } = JSON.parse(read('package.json'));
    expect(version).not.toBe('0.0.0');
    expect(read('CHANGELOG.md')).toMatch(new RegExp(`^## ${version.replace(/\./g, '\\.')} \\(\\d{4}-\\d{2}-\\d{2}\\)$`, 'm'));
  });
});

// What every published package carries besides its code, checked in the repository (the packed tarballs are
// checked by packaging.test.ts). A package README is shown on the registry's page, where a relative link leads
// nowhere: its links must be absolute, and those into this repository must name a file or folder that exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const repository = 'https://github.com/kinesis-kit/kinesis-kit';
const dirs = readdirSync(path.join(root, 'packages'));

interface Manifest {
  name: string;
  license: string;
  homepage: string;
  repository: { type: string; url: string; directory: string };
  bugs: { url: string };
  engines: { node: string };
  publishConfig: { access: string; provenance: boolean };
  files: string[];
}
const manifest = (dir: string) =>
  JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest;
const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

/** Every link target in a markdown text: inline links and images, reference definitions, HTML href/src. */
function linkTargets(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [
    ...[...withoutCode.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string),
    ...[...withoutCode.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] as string),
    ...[...withoutCode.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1] as string),
  ];
}

describe.each(dirs)('packages/%s', (dir) => {
  it('README: every link is absolute, and every link into this repository names something that exists', () => {
    const readme = readFileSync(path.join(root, 'packages', dir, 'README.md'), 'utf8');
    const targets = linkTargets(readme);
    const relative = targets.filter((target) => !/^(https?:|mailto:|#)/.test(target));
    expect(relative, 'relative links: a registry page cannot follow them').toEqual([]);
    for (const target of targets.filter((t) => t.startsWith(`${repository}/`))) {
      const match = /^https:\/\/github\.com\/kinesis-kit\/kinesis-kit\/(blob|tree)\/main\/([^#?]+)/.exec(target);
      expect(match, `${target}: links into the repository go to /blob/main/<file> or /tree/main/<folder>`).not.toBe(
        null,
      );
      const [, kind, file] = match as RegExpExecArray;
      const local = path.join(root, file as string);
      expect(existsSync(local), `${target}: ${file} does not exist`).toBe(true);
      expect(statSync(local).isDirectory(), `${target}: use /tree/ for a folder and /blob/ for a file`).toBe(
        kind === 'tree',
      );
    }
  });

  it('LICENSE and NOTICE are the root ones', () => {
    for (const file of ['LICENSE', 'NOTICE'])
      expect(readFileSync(path.join(root, 'packages', dir, file), 'utf8'), file).toBe(
        readFileSync(path.join(root, file), 'utf8'),
      );
  });

  it('package.json: license, repository with directory, homepage, bugs, engines, publishConfig, files', () => {
    const m = manifest(dir);
    expect(m.license).toBe('Apache-2.0');
    expect(m.repository).toEqual({ type: 'git', url: `git+${repository}.git`, directory: `packages/${dir}` });
    expect(m.homepage.startsWith(`${repository}/`), m.homepage).toBe(true);
    expect(m.bugs).toEqual({ url: `${repository}/issues` });
    expect(m.engines).toEqual(rootManifest.engines);
    expect(m.publishConfig).toEqual({ access: 'public', provenance: true });
    for (const file of ['dist', 'README.md', 'CHANGELOG.md', 'LICENSE', 'NOTICE']) expect(m.files).toContain(file);
  });
});

describe('linkTargets', () => {
  it('finds inline, image, reference and HTML links, and skips code', () => {
    const text =
      '[a](../../docs/a.md) ![b](img.png "t") <a href="c.html">c</a>\n[d]: ./d.md\n`[e](e.md)`\n```\n[f](f.md)\n```\n';
    expect(linkTargets(text)).toEqual(['../../docs/a.md', 'img.png', './d.md', 'c.html']);
  });
});

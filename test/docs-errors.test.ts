// docs/errors.md must describe every error class the packages export (and only classes that exist), so the page
// cannot drift from the code: a new `class FooError extends …` exported from a package fails this test until it
// has a `### FooError` section.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as aggregation from '@kinesis-kit/aggregation';
import * as commons from '@kinesis-kit/commons';
import * as consumer from '@kinesis-kit/consumer';
import * as lambda from '@kinesis-kit/lambda';
import * as producer from '@kinesis-kit/producer';
import * as testing from '@kinesis-kit/testing';
import { describe, expect, it } from 'vitest';

const packages: Record<string, Record<string, unknown>> = {
  '@kinesis-kit/commons': commons,
  '@kinesis-kit/aggregation': aggregation,
  '@kinesis-kit/producer': producer,
  '@kinesis-kit/consumer': consumer,
  '@kinesis-kit/lambda': lambda,
  '@kinesis-kit/testing': testing,
};

const doc = readFileSync(path.resolve(import.meta.dirname, '../docs/errors.md'), 'utf8');
const sections = new Set([...doc.matchAll(/^### (\w+)\s*$/gm)].map((m) => m[1] as string));

function exportedErrorClasses(): Map<string, string> {
  const found = new Map<string, string>(); // class name → package
  for (const [name, exports] of Object.entries(packages)) {
    for (const [exportName, value] of Object.entries(exports)) {
      if (typeof value !== 'function') continue;
      const prototype = (value as { prototype?: unknown }).prototype;
      if (prototype instanceof Error && !found.has(exportName)) found.set(exportName, name);
    }
  }
  return found;
}

describe('docs/errors.md', () => {
  it('has a section for every exported error class of every package', () => {
    const classes = exportedErrorClasses();
    expect(classes.size).toBeGreaterThan(20);
    const missing = [...classes].filter(([name]) => !sections.has(name)).map(([name, pkg]) => `${pkg}: ${name}`);
    expect(missing).toEqual([]);
  });

  it('documents each class under the package that exports it, and nothing that is not exported', () => {
    const classes = exportedErrorClasses();
    const stale = [...sections].filter((name) => !classes.has(name));
    expect(stale).toEqual([]);
    for (const [name, pkg] of classes) {
      const sectionAt = doc.indexOf(`### ${name}\n`);
      const packageHeading = doc.lastIndexOf('\n## ', sectionAt);
      expect(doc.slice(packageHeading, doc.indexOf('\n', packageHeading + 1)), name).toContain(pkg);
    }
  });
});

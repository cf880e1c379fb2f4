import { createRequire } from 'node:module';
import path from 'node:path';

// The module URL below is the one ESM-only construct library source may use: scripts/build.mjs rewrites it
// for the CommonJS build; the CommonJS type-check cannot know that, hence the ignore.
// biome-ignore lint/suspicious/noTsIgnore: the error only exists in the CommonJS compile (see above)
// @ts-ignore TS1343
const requireHere = createRequire(import.meta.url);

/** Absolute directory of an installed dependency of this package. */
export function packageDir(name: string): string {
  return path.dirname(requireHere.resolve(`${name}/package.json`));
}

/** Loads a CommonJS dependency of this package (dynalite) from either module format. */
export function requireDependency<T>(name: string): T {
  return requireHere(name) as T;
}

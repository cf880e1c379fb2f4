// The API reference, generated from the TSDoc comments in the source: `npm run docs:api` writes HTML to docs/api/
// (not committed; see docs/releasing.md). One module per package and per subpath export: in "packages" mode
// TypeDoc reads each package's `exports` and maps every entry back to its TypeScript source, so a new subpath
// appears here without a change to this file. test/apiDocs.test.ts fails on any warning, including a type that a
// public signature uses and no entry exports.
const repo = 'https://github.com/kinesis-kit/kinesis-kit/blob/main';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const options = {
  name: 'kinesis-kit',
  entryPointStrategy: 'packages',
  entryPoints: ['packages/*'],
  // Source links from the template alone, in every package's conversion: a clone's remote (none, a local path, a
  // mirror) must not matter.
  packageOptions: { tsconfig: 'tsconfig.json', disableGit: true, sourceLinkTemplate: `${repo}/{path}#L{line}` },
  out: 'docs/api',
  readme: 'none', // the index lists the packages; each package's page is its README
  sourceLinkTemplate: `${repo}/{path}#L{line}`,
  disableGit: true,
  // ShardRunnerState's comment links to assertTransition, which the consumer does not export: link to its source.
  externalSymbolLinkMappings: {
    '@kinesis-kit/consumer': { assertTransition: `${repo}/packages/consumer/src/runner/states.ts` },
  },
};

export default options;

#!/usr/bin/env node
// Every package's `prepack`: refuses to pack or publish with npm. npm copies `workspace:^` ranges into the tarball
// as they are, and a package that depends on `workspace:^` cannot be installed; pnpm rewrites them to the versions
// being published. docs/releasing.md says how to pack one package.
const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  console.error(
    `Pack and publish @kinesis-kit packages with pnpm (found: ${agent.split(' ')[0] || 'unknown'}): ` +
      'npm would ship their workspace: ranges unchanged. In a package directory: node ../../scripts/pnpm.mjs pack',
  );
  process.exit(1);
}

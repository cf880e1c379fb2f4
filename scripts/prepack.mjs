#!/usr/bin/env node
// Every package's `prepack`: refuses to pack or publish with npm. npm copies `workspace:^` ranges into the tarball
// as they are, and a package that depends on `workspace:^` cannot be installed; pnpm rewrites them to the versions
// being published. docs/releasing.md says how to pack one package.
// The packer is told by npm_execpath, which npm and pnpm each set to their own entry point for a lifecycle script
// (npm_config_user_agent is not enough: npm takes it from the environment, so under `pnpm run` it says pnpm).
import path from 'node:path';

const packer = path.basename(process.env.npm_execpath ?? '');
if (!packer.startsWith('pnpm')) {
  console.error(
    `Pack and publish @kinesis-kit packages with pnpm, not ${packer || 'this tool'}: ` +
      'npm would ship their workspace: ranges unchanged. In a package directory: node ../../scripts/pnpm.mjs pack',
  );
  process.exit(1);
}

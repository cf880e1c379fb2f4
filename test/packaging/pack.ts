// Packs every workspace package exactly as `pnpm publish` does (`pnpm pack` rewrites `workspace:` ranges to the
// versions being published; a plain `npm pack` would not), and reads what ended up in each tarball.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const root = path.resolve(import.meta.dirname, '../..');

const execFileAsync = promisify(execFile);

/** The fields of a packed package.json the tests look at. */
export interface PackedManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

export interface PackedPackage {
  /** The directory under packages/. */
  dir: string;
  tarball: string;
  manifest: PackedManifest;
  /** Every path in the tarball, without the leading `package/`. */
  files: string[];
}

/** Runs a command; on failure the error carries its whole output, so a red test says why. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${options.cwd}\n${stdout}\n${stderr}`, { cause: error });
  }
}

/** `pnpm -r pack` into `destination`: one tarball per package under packages/. */
export async function packAll(destination: string): Promise<PackedPackage[]> {
  await run(process.execPath, [path.join(root, 'scripts/pnpm.mjs'), '-r', 'pack', '--pack-destination', destination], {
    cwd: root,
  });
  const byName = new Map<string, string>();
  for (const file of readdirSync(destination)) byName.set(file, path.join(destination, file));
  const packed: PackedPackage[] = [];
  for (const dir of readdirSync(path.join(root, 'packages'))) {
    const { name, version } = JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    // pnpm names a tarball after the scoped name: @kinesis-kit/producer@1.2.3 -> kinesis-kit-producer-1.2.3.tgz
    const tarball = byName.get(`${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
    if (tarball === undefined) throw new Error(`pnpm pack made no tarball for ${name}@${version} in ${destination}`);
    const manifest = JSON.parse(
      await run('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: destination }),
    ) as PackedManifest;
    const files = (await run('tar', ['-tzf', tarball], { cwd: destination }))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.replace(/^package\//, ''));
    packed.push({ dir, tarball, manifest, files });
  }
  return packed;
}

/** Every dependency range of a manifest, as `field: name@range` (all four dependency fields). */
export function dependencyRanges(manifest: PackedManifest): string[] {
  const fields = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;
  return fields.flatMap((field) =>
    Object.entries(manifest[field] ?? {}).map(([name, range]) => `${field}: ${name}@${range}`),
  );
}

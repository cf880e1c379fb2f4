import { InvalidOptionError } from '../errors.js';

/**
 * Throws `InvalidOptionError` for the first own key of `options` that is not in `known`, naming the closest known
 * key ("did you mean `maxConnections`?"). A misspelt option would otherwise be ignored and its default used
 * silently. `path` prefixes the names of a nested options object (`autoCheckpoint` → `autoCheckpoint.everyMs`).
 * A key set to `undefined` counts as given: an unknown name is a mistake whatever its value.
 */
export function rejectUnknownOptions(options: unknown, known: readonly string[], path?: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new InvalidOptionError(path ?? 'options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const prefix = path === undefined ? '' : `${path}.`;
    throw new InvalidOptionError(`${prefix}${key}`, {
      knownOptions: known.map((name) => `${prefix}${name}`),
    });
  }
}

/** What is wrong with a client's configuration, when a call failed before reaching AWS because of it. */
export const ConfigurationProblem = {
  /** No region: neither the client's `region` nor `AWS_REGION` (the SDK's "Region is missing"). */
  REGION: 'region',
  /** The SDK's credential provider chain found no credentials. */
  CREDENTIALS: 'credentials',
  /** The endpoint is not a URL, or (before any call succeeded) its host does not resolve or refuses connections. */
  ENDPOINT: 'endpoint',
} as const;
export type ConfigurationProblem = (typeof ConfigurationProblem)[keyof typeof ConfigurationProblem];

/** A configuration problem and a sentence saying what to fix. */
export interface ConfigurationFault {
  problem: ConfigurationProblem;
  message: string;
}

const UNREACHABLE_CODES = ['ENOTFOUND', 'ECONNREFUSED'] as const;

/**
 * Recognizes an SDK error caused by the client's configuration rather than by AWS: no region, no credentials, an
 * endpoint that is not a URL — and, when `firstContact` is true (no call to this endpoint ever succeeded), an
 * endpoint whose host does not resolve or refuses connections, which then is far more likely a typo than an outage.
 * Undefined for anything else.
 */
export function detectConfigurationProblem(
  error: unknown,
  { firstContact }: { firstContact: boolean },
): ConfigurationFault | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (/region is missing/i.test(message)) {
    return {
      problem: ConfigurationProblem.REGION,
      message: 'No AWS region is configured: set `region` on the client, or the AWS_REGION environment variable',
    };
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return {
      problem: ConfigurationProblem.CREDENTIALS,
      message: `No AWS credentials were found (${message || name}): configure the client's \`credentials\`, the environment, a profile or a role`,
    };
  }
  if (e.code === 'ERR_INVALID_URL' || (name === 'TypeError' && /invalid url/i.test(message))) {
    return { problem: ConfigurationProblem.ENDPOINT, message: 'The client `endpoint` is not a valid URL' };
  }
  if (firstContact) {
    const unreachable = unreachableCode(e);
    if (unreachable !== undefined) {
      return {
        problem: ConfigurationProblem.ENDPOINT,
        message: `The endpoint could not be reached (${unreachable}) and no call to it ever succeeded: check the client's \`endpoint\` and region`,
      };
    }
  }
  return undefined;
}

/** ENOTFOUND / ECONNREFUSED on the error, its cause, or in a wrapped message ("… (caused by: connect ECONNREFUSED …)"). */
function unreachableCode(e: { code?: unknown; message?: unknown; cause?: unknown }): string | undefined {
  let current: unknown = e;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    for (const candidate of UNREACHABLE_CODES) {
      if (code === candidate || (typeof message === 'string' && message.includes(candidate))) return candidate;
    }
    current = cause;
  }
  return undefined;
}

/** Dummy credentials the local servers accept (they check that a signature is present, not that it is valid). */
export const LOCAL_CREDENTIALS = Object.freeze({ accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' });

/** The region local servers run in unless told otherwise. */
export const LOCAL_REGION = 'us-east-1';

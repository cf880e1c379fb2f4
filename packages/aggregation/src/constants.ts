/**
 * The 4 bytes every KPL aggregated record starts with: `F3 89 9A C2`. (A typed array cannot be frozen; the package
 * never reads this instance, so changing it affects nobody but the caller.)
 */
export const KPL_MAGIC: Uint8Array = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);

/** The magic as one big-endian uint32, for a single comparison. */
export const KPL_MAGIC_UINT32 = 0xf3899ac2;

/** Length of the MD5 trailer of an aggregated record. */
export const DIGEST_BYTES = 16;

/** Magic + MD5 trailer: the bytes an aggregated record has besides its protobuf body (the KPL's kFixedOverhead). */
export const AGGREGATION_OVERHEAD_BYTES = 4 + DIGEST_BYTES;

/** The largest hash key of a stream: 2^128 − 1. */
export const MAX_HASH_KEY: bigint = 2n ** 128n - 1n;

/**
 * The partition key the KPL gives every aggregate of two or more user records (`kinesis_record.cc`): the aggregate
 * is routed by its explicit hash key, and each user record keeps its own partition key inside, so one byte is enough.
 */
export const AGGREGATE_PARTITION_KEY = 'a';

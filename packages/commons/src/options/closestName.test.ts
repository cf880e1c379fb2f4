import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from './closestName.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions as one edit each', () => {
    expect(editDistance('maxConnections', 'maxConnections')).toBe(0);
    expect(editDistance('maxConnectionz', 'maxConnections')).toBe(1); // substitution
    expect(editDistance('maxConnection', 'maxConnections')).toBe(1); // insertion
    expect(editDistance('maxxConnections', 'maxConnections')).toBe(1); // deletion
    expect(editDistance('maxConnetcions', 'maxConnections')).toBe(1); // transposition
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('closestName', () => {
  const producer = ['streamName', 'streamArn', 'maxConnections', 'maxBufferedTimeMs', 'recordTtlMs', 'rateLimit'];

  it('names the closest valid name for a typo', () => {
    expect(closestName('maxConnectionz', producer)).toBe('maxConnections');
    expect(closestName('maxBufferedTime', producer)).toBe('maxBufferedTimeMs'); // unit suffix forgotten
    expect(closestName('recordTTLMs', producer)).toBe('recordTtlMs');
  });

  it('ignores case first: streamARN is streamArn', () => {
    expect(closestName('streamARN', producer)).toBe('streamArn');
    expect(closestName('StreamName', producer)).toBe('streamName');
  });

  it('names nothing when no name is close', () => {
    expect(closestName('region', producer)).toBeUndefined();
    expect(closestName('x', producer)).toBeUndefined();
    expect(closestName('maxConnections', [])).toBeUndefined();
  });
});

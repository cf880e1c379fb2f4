import { describe, expect, it } from 'vitest';
import { StartingPositionError } from '../errors.js';
import { LATEST_ANCHOR_SLACK_MS, ResumePoint } from './ResumePoint.js';

const at = (sequenceNumber: string, subSequenceNumber = 0) => ({ sequenceNumber, subSequenceNumber });

describe('ResumePoint', () => {
  it('LATEST: the first iterator reads the tip; every later one resumes at a time anchor, never a newer tip', () => {
    let wall = 1_000_000;
    const resume = new ResumePoint({ shardId: 's', position: at('LATEST') }, () => wall);
    expect(resume.next()).toEqual({ ShardIteratorType: 'LATEST' });
    wall += 60_000;
    const anchored = { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(1_000_000 - LATEST_ANCHOR_SLACK_MS) };
    expect(resume.next()).toEqual(anchored);
    expect(resume.next()).toEqual(anchored);
    resume.fetched('42');
    expect(resume.next()).toEqual({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: '42' });
  });

  it("LATEST with the lease's anchor: resumes there from the first iterator on", () => {
    const startTimestamp = new Date(500_000);
    const resume = new ResumePoint({ shardId: 's', position: at('LATEST'), startTimestamp });
    expect(resume.next()).toEqual({ ShardIteratorType: 'AT_TIMESTAMP', Timestamp: startTimestamp });
    expect(resume.dropAnchor()).toBe(true); // refused as in the future: the tip, then a new anchor
    expect(resume.next()).toEqual({ ShardIteratorType: 'LATEST' });
    expect(resume.next().ShardIteratorType).toBe('AT_TIMESTAMP');
  });

  it('a checkpoint resumes AT its sequence number until a record was fetched; TRIM_HORIZON stays', () => {
    const resume = new ResumePoint({ shardId: 's', position: at('100', 3) });
    expect(resume.next()).toEqual({ ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '100' });
    expect(new ResumePoint({ shardId: 's', position: at('TRIM_HORIZON') }).next()).toEqual({
      ShardIteratorType: 'TRIM_HORIZON',
    });
  });

  it("AT_TIMESTAMP: the lease's time first, else the configured one, else a StartingPositionError", () => {
    const leaseTime = new Date(1);
    const configured = new Date(2);
    const position = at('AT_TIMESTAMP');
    expect(
      new ResumePoint({ shardId: 's', position, startTimestamp: leaseTime, timestamp: configured }).next(),
    ).toEqual({ ShardIteratorType: 'AT_TIMESTAMP', Timestamp: leaseTime });
    expect(new ResumePoint({ shardId: 's', position, timestamp: configured }).next().Timestamp).toBe(configured);
    expect(() => new ResumePoint({ shardId: 's', position }).next()).toThrow(StartingPositionError);
  });
});

import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { freePort } from '../internal/ports.js';
import { fromJson, fromQuery, type ReceivedPutMetricData, validate } from './putMetricDataRequest.js';

/** How the fake answers PutMetricData. */
export const CloudWatchMode = {
  /** Accepts (valid requests; an invalid one gets CloudWatch's 400). */
  OK: 'ok',
  /** 400 `Throttling` ("Rate exceeded"), as CloudWatch throttles. */
  THROTTLE: 'throttle',
  /** 500 `InternalServiceError`. */
  ERROR: 'error',
  /** Reads the request and never answers (a stalled endpoint). */
  HANG: 'hang',
} as const;
export type CloudWatchMode = (typeof CloudWatchMode)[keyof typeof CloudWatchMode];

/** A fake CloudWatch that speaks PutMetricData in both protocols the SDK has used: AWS JSON 1.0 and query. */
export interface LocalCloudWatch {
  /** `http://127.0.0.1:<port>`: give it to a `CloudWatchClient` as `endpoint`. */
  readonly endpoint: string;
  /** Every PutMetricData call received, in order (refused ones included, with `rejected`). */
  readonly requests: readonly ReceivedPutMetricData[];
  mode: CloudWatchMode;
  stop(): Promise<void>;
}

/**
 * Starts a fake CloudWatch on 127.0.0.1 for tests of metric publishing: it records each PutMetricData call exactly as
 * the SDK sent it (headers, namespace, data), checks it against CloudWatch's limits, and answers as CloudWatch would —
 * or throttles, fails, or hangs (`mode`). Only PutMetricData is implemented.
 */
export async function startLocalCloudWatch(options: { mode?: CloudWatchMode } = {}): Promise<LocalCloudWatch> {
  const requests: ReceivedPutMetricData[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state = { mode: options.mode ?? CloudWatchMode.OK };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const json = String(req.headers['content-type'] ?? '').includes('json');
      let parsed: ReturnType<typeof fromJson>;
      try {
        // The SDK gzips PutMetricData bodies over 10 KiB (CloudWatch request compression).
        const raw = Buffer.concat(chunks);
        const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        const target = String(req.headers['x-amz-target'] ?? '');
        const isPut = json
          ? target.endsWith('.PutMetricData')
          : new URLSearchParams(body).get('Action') === 'PutMetricData';
        if (!isPut) return answer(res, json, 400, 'InvalidAction', `only PutMetricData is implemented (${target})`);
        parsed = json ? fromJson(body) : fromQuery(body);
      } catch (error) {
        return answer(res, json, 400, 'MalformedInput', String(error));
      }
      const rejected = validate(parsed);
      requests.push({ protocol: json ? 'json' : 'query', headers: req.headers, ...parsed, rejected });
      if (state.mode === CloudWatchMode.HANG) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (state.mode === CloudWatchMode.THROTTLE) return answer(res, json, 400, 'Throttling', 'Rate exceeded');
      if (state.mode === CloudWatchMode.ERROR) return answer(res, json, 500, 'InternalServiceError', 'internal error');
      if (rejected !== undefined) return answer(res, json, 400, rejected.split(':')[0] as string, rejected);
      if (json) {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end('{}');
      } else {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          '<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></PutMetricDataResponse>',
        );
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(mode: CloudWatchMode) {
      state.mode = mode;
    },
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(res: http.ServerResponse, json: boolean, status: number, code: string, message: string): void {
  const sender = status >= 500 ? 'Receiver' : 'Sender';
  if (json) {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      // The awsQuery-compatible error code, which the SDK prefers for CloudWatch.
      'x-amzn-query-error': `${code};${sender}`,
    });
    res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message }));
  } else {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>${sender}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
    );
  }
}

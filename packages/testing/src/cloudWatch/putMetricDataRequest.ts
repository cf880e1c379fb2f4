/** A PutMetricData datum as the fake CloudWatch received it (either protocol, normalized). */
export interface ReceivedDatum {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Timestamp: number | undefined;
  Unit: string | undefined;
  Value: number | undefined;
  Values: number[] | undefined;
  StatisticValues: { SampleCount: number; Sum: number; Minimum: number; Maximum: number } | undefined;
  StorageResolution: number | undefined;
}

/** One PutMetricData call as it arrived. */
export interface ReceivedPutMetricData {
  /** `json` (AWS JSON 1.0, `x-amz-target: GraniteServiceVersion20100801.PutMetricData`: SDK v3 from 2024) or `query`. */
  protocol: 'json' | 'query';
  headers: Record<string, string | string[] | undefined>;
  Namespace: string;
  MetricData: ReceivedDatum[];
  /** Why the fake refused it, as CloudWatch would (`InvalidParameterValue`…); undefined when accepted. */
  rejected: string | undefined;
}

/** Parses the JSON protocol body. */
export function fromJson(body: string): Pick<ReceivedPutMetricData, 'Namespace' | 'MetricData'> {
  const parsed = JSON.parse(body) as { Namespace?: string; MetricData?: Record<string, unknown>[] };
  return {
    Namespace: parsed.Namespace ?? '',
    MetricData: (parsed.MetricData ?? []).map((d) => ({
      MetricName: String(d.MetricName ?? ''),
      Dimensions: (d.Dimensions as { Name: string; Value: string }[] | undefined) ?? [],
      Timestamp: typeof d.Timestamp === 'number' ? d.Timestamp * 1000 : undefined,
      Unit: d.Unit as string | undefined,
      Value: d.Value as number | undefined,
      Values: d.Values as number[] | undefined,
      StatisticValues: d.StatisticValues as ReceivedDatum['StatisticValues'],
      StorageResolution: d.StorageResolution as number | undefined,
    })),
  };
}

/** Parses the query protocol body (`Action=PutMetricData&MetricData.member.1.MetricName=…`). */
export function fromQuery(body: string): Pick<ReceivedPutMetricData, 'Namespace' | 'MetricData'> {
  const params = new URLSearchParams(body);
  const data = new Map<number, Record<string, string>>();
  for (const [key, value] of params) {
    const match = /^MetricData\.member\.(\d+)\.(.+)$/.exec(key);
    if (match === null) continue;
    const index = Number(match[1]);
    let fields = data.get(index);
    if (fields === undefined) {
      fields = {};
      data.set(index, fields);
    }
    fields[match[2] as string] = value;
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    Namespace: params.get('Namespace') ?? '',
    MetricData: [...data.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, f]) => {
        const dimensions: { Name: string; Value: string }[] = [];
        for (let i = 1; f[`Dimensions.member.${i}.Name`] !== undefined; i++)
          dimensions.push({
            Name: f[`Dimensions.member.${i}.Name`] ?? '',
            Value: f[`Dimensions.member.${i}.Value`] ?? '',
          });
        const stats =
          f['StatisticValues.SampleCount'] === undefined
            ? undefined
            : {
                SampleCount: Number(f['StatisticValues.SampleCount']),
                Sum: Number(f['StatisticValues.Sum']),
                Minimum: Number(f['StatisticValues.Minimum']),
                Maximum: Number(f['StatisticValues.Maximum']),
              };
        return {
          MetricName: f.MetricName ?? '',
          Dimensions: dimensions,
          Timestamp: f.Timestamp === undefined ? undefined : Date.parse(f.Timestamp),
          Unit: f.Unit,
          Value: num(f.Value),
          Values: undefined,
          StatisticValues: stats,
          StorageResolution: num(f.StorageResolution),
        };
      }),
  };
}

/** What real CloudWatch would refuse (limits of PutMetricData); undefined when valid. */
export function validate(request: Pick<ReceivedPutMetricData, 'Namespace' | 'MetricData'>): string | undefined {
  if (!/^[a-zA-Z0-9._#:/-]{1,255}$/.test(request.Namespace)) return 'InvalidParameterValue: Namespace';
  if (request.MetricData.length === 0 || request.MetricData.length > 1_000)
    return `InvalidParameterValue: ${request.MetricData.length} MetricData (1 to 1000)`;
  for (const d of request.MetricData) {
    if (d.MetricName.length === 0 || d.MetricName.length > 255) return 'InvalidParameterValue: MetricName';
    if (d.Dimensions.length > 30) return 'InvalidParameterValue: more than 30 dimensions';
    for (const { Name, Value } of d.Dimensions)
      if (Name.length === 0 || Name.length > 255 || Value.length === 0 || Value.length > 1024)
        return 'InvalidParameterValue: dimension';
    const given = [d.Value, d.Values, d.StatisticValues].filter((v) => v !== undefined).length;
    if (given !== 1) return 'InvalidParameterCombination: one of Value, Values, StatisticValues';
    const s = d.StatisticValues;
    if (
      s !== undefined &&
      (!(s.SampleCount > 0) || s.Minimum > s.Maximum || ![s.Sum, s.Minimum, s.Maximum].every(Number.isFinite))
    )
      return 'InvalidParameterValue: StatisticValues';
  }
  return undefined;
}

/** The parts of the API's answers the console reads. */

export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Handler: string;
  MemorySize: number;
  Timeout: number;
  LastModified: string;
  Description?: string;
  Version?: string;
  CodeSha256?: string;
  CodeSize?: number;
  State?: string;
  Environment?: { Variables?: Record<string, string> };
  Layers?: { Arn: string }[];
}

export interface PeriodFigures {
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  avgMs: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface MetricsAnswer {
  from: number;
  to: number;
  periodS: number;
  points: (PeriodFigures & { time: number })[];
  summary: PeriodFigures;
}

export interface LogLine {
  id: number;
  timestamp: number;
  requestId: string | null;
  message: string;
}

export type InvocationStatus =
  | 'queued'
  | 'running'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'dead-lettered';

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  version: string;
  qualifier: string | null;
  invocationType: 'RequestResponse' | 'Event';
  source: string;
  status: InvocationStatus;
  attempts: number;
  createdAtMs: number;
  queuedAtMs: number | null;
  startedAtMs: number | null;
  endedAtMs: number | null;
  initDurationMs: number | null;
  durationMs: number | null;
  billedDurationMs: number | null;
  cold: boolean | null;
  startType?: string | null;
  maxMemoryMb: number | null;
  errorType: string | null;
  errorMessage: string | null;
}

export interface DeadLetter {
  requestId: string;
  attempts: number;
  reason: string;
  errorType: string | null;
  errorMessage: string | null;
  deadAt: number;
  payload: string;
}

export interface TestEvent {
  name: string;
  payload: string;
  updatedAtMs: number;
}

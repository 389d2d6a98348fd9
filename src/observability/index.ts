export { BatchWriter } from './batch-writer.js';
export { LogWriter, RecordWriter } from './log-writer.js';
export { type InvocationLogInput, invocationLog, logTail, reportLine } from './report.js';

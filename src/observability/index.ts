export { LogWriter } from './log-writer.js';
export { type InvocationLogInput, invocationLog, logTail, reportLine } from './report.js';

import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/**
 * Installs the Temporal runtime once per process, without its own signal handlers: the process that
 * owns the worker (npm start, the worker entry point) decides the shutdown order itself.
 */
export function installTemporalRuntime(level: LogLevel = 'WARN'): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
}

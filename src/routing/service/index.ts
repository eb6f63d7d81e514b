// The routing service: the trading engine's hot path. `startRoutingService` listens (npm start,
// router-main); `buildRoutingApp` gives the same service without a socket for in-process use.
export {
  startRoutingService,
  type RunningRoutingService,
  type StartRoutingServiceOptions,
} from './routing-service';
export { buildRoutingApp, STRATEGIES_FILE, type RoutingApp, type RoutingAppOptions } from './routing-app';
export { ensureTokens, TOKENS_FILE, type RouterTokens } from './tokens/ensure-tokens';
export { DEFAULT_ROUTER_TUNING, type RouterTuning } from './router-tuning';
export { ROUTER_ERROR_CODES, type RouterErrorCode } from './errors/router-error-codes';
export { RouterError } from './errors/router-error';
export {
  parseStrategies,
  loadStrategiesFile,
  StrategyConfigError,
  type Strategy,
  type StrategiesFileInput,
} from './signal/strategy-config';
export {
  proposeTradeSignal,
  type SignalDecision,
  type TradeSignalProposal,
} from './signal/propose-trade-signal';
export { uuidv7 } from './ids/uuid-v7';

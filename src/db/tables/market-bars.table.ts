import type { Insertable, Selectable } from 'kysely';
import type { RequiredTimestamp } from './timestamp';

export type Timeframe = '1m' | '5m' | '15m' | '1h' | '4h' | '1d';

export interface MarketBarTable {
  symbol: string;
  timeframe: Timeframe;
  ts: RequiredTimestamp;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export type MarketBarRow = Selectable<MarketBarTable>;
export type NewMarketBarRow = Insertable<MarketBarTable>;

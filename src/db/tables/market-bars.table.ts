import type { ColumnType, Insertable, Selectable } from 'kysely';

export type Timeframe = '1m' | '5m' | '15m' | '1h' | '4h' | '1d';

export interface MarketBarTable {
  symbol: string;
  timeframe: Timeframe;
  ts: ColumnType<Date, Date | string, Date | string>;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export type MarketBarRow = Selectable<MarketBarTable>;
export type NewMarketBarRow = Insertable<MarketBarTable>;

-- OHLCV bars. Upserted idempotently on (symbol, timeframe, ts); the checks reject bars that cannot exist.
CREATE TABLE market_bars (
  symbol    text NOT NULL CHECK (symbol ~ '^[A-Za-z0-9._/:-]{1,32}$'),
  timeframe text NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '1h', '4h', '1d')),
  ts        timestamptz NOT NULL,
  open      double precision NOT NULL CHECK (open > 0),
  high      double precision NOT NULL CHECK (high > 0),
  low       double precision NOT NULL CHECK (low > 0),
  close     double precision NOT NULL CHECK (close > 0),
  volume    double precision NOT NULL CHECK (volume >= 0),
  PRIMARY KEY (symbol, timeframe, ts),
  CHECK (low <= high AND low <= open AND open <= high AND low <= close AND close <= high)
);

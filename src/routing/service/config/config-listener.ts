import pg from 'pg';
import type { RouterLogger } from '../observability/router-logger';

/**
 * The channel migration 007 notifies on every change to models, aliases, experiments and variants.
 */
export const CONFIG_CHANNEL = 'galfriday_config';

/**
 * Options of {@link ConfigListener}.
 *
 * ### Examples
 * ```ts
 * import type { ConfigStore } from './config-store';
 * declare const store: ConfigStore;
 * declare const databaseUrl: string;
 * declare const logger: RouterLogger;
 * const options: ConfigListenerOptions = { databaseUrl, logger, onChange: () => store.requestReload('notify'), onReconnect: () => store.requestReload('reconnect') };
 * ```
 */
export interface ConfigListenerOptions {
  readonly databaseUrl: string;
  readonly logger: RouterLogger;
  /** A notification arrived. */
  onChange(payload: string | undefined): void;
  /** The listener (re)connected: notifications sent while it was down are lost, so reload everything. */
  onReconnect(): void;
  /** @default 5000 */
  readonly maxBackoffMs?: number;
}

/**
 * LISTENs on {@link CONFIG_CHANNEL} over a dedicated connection (a pooled one would be handed to
 * other queries and lose the LISTEN), reconnecting with backoff after any error or disconnect.
 *
 * ### Examples
 * ```ts
 * declare const options: ConfigListenerOptions;
 * const listener = new ConfigListener(options);
 * listener.start();
 * await listener.stop();
 * ```
 */
export class ConfigListener {
  private client: pg.Client | null = null;
  private stopped = true;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private connected = false;

  constructor(private readonly options: ConfigListenerOptions) {}

  /** Whether LISTEN is active right now. */
  get isListening(): boolean {
    return this.connected;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: 'galfriday-router-listen',
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    this.client = client;
    let failed = false;
    const fail = (error?: Error): void => {
      if (failed) return;
      failed = true;
      this.connected = false;
      if (this.stopped || this.client !== client) return;
      this.client = null;
      void client.end().catch(() => undefined);
      this.attempt++;
      const delay = Math.min(100 * 2 ** (this.attempt - 1), this.options.maxBackoffMs ?? 5_000);
      if (this.attempt === 1 || this.attempt % 10 === 0) {
        this.options.logger.warn('config listener lost; reconnecting', {
          attempt: this.attempt,
          delayMs: delay,
          error: error?.message,
        });
      }
      this.timer = setTimeout(() => void this.connect(), delay);
      this.timer.unref();
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CONFIG_CHANNEL) this.options.onChange(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CONFIG_CHANNEL}`);
    } catch (error) {
      fail(error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    if (this.attempt > 0) this.options.logger.info('config listener reconnected', { attempts: this.attempt });
    this.attempt = 0;
    this.connected = true;
    this.options.onReconnect();
  }
}

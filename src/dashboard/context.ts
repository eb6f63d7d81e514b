import type { Client } from '@temporalio/client';
import type { Db } from '../db/database';
import type { Principal } from './auth';

/** What a page handler gets: the database, Temporal (lazily), links, who is asking, and the URL. */
export interface DashboardContext {
  db: Db;
  temporal: () => Promise<Client>;
  namespace: string;
  temporalUiUrl: string | undefined;
  workflowUrl(workflowId: string): string;
  workflowListUrl(query?: string): string;
  principal: Principal;
  url: URL;
  now: () => Date;
}

export interface PageResult {
  title: string;
  content: import('../reports/html').RawHtml;
}

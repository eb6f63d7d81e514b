import { moveAlias } from '../db/repositories/alias.repository';
import { setStage } from '../db/repositories/version.repository';
import type { ModelAlias } from '../db/tables/registry.table';
import { classifyErrors } from './activity-errors';
import type { ActivityDeps } from './activity-deps';

export interface MoveModelAliasInput {
  model: string;
  alias: ModelAlias;
  version: number | null;
  expectedVersionId?: string | null;
  changedBy: string;
  reason: string;
}

export function createRegistryActivities({ db }: ActivityDeps) {
  return {
    /** Compare-and-set alias move; repeating a move that already happened is a no-op. */
    async moveModelAlias(input: MoveModelAliasInput) {
      return classifyErrors(() => moveAlias(db, input));
    },

    async archiveVersion({ versionId }: { versionId: string }): Promise<void> {
      await setStage(db, versionId, 'archived');
    },
  };
}

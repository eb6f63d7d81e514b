import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Typed keys of the search attributes registered by the dev server and docker-compose
// (src/temporal/shared.ts SEARCH_ATTRIBUTES): workflows set them so the UI can filter.
export const ModelNameKey = defineSearchAttributeKey('ModelName', SearchAttributeType.KEYWORD);
export const ExperimentIdKey = defineSearchAttributeKey('ExperimentId', SearchAttributeType.KEYWORD);
export const TriggerKey = defineSearchAttributeKey('Trigger', SearchAttributeType.KEYWORD);
export const LifecycleStateKey = defineSearchAttributeKey('LifecycleState', SearchAttributeType.KEYWORD);
export const ChampionVersionKey = defineSearchAttributeKey('ChampionVersion', SearchAttributeType.INT);

/** What the producer's transactions and the consumer share per client: the group memberships offsets are committed under. */
import type { Consumer } from '@platformatic/kafka';

import type { GroupGeneration } from '../types.js';

/** A consumer's group membership: what a fenced transactional commit must present. */
export interface Membership {
  readonly groupId: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly coordinatorId: number;
}

/** Consumers of this client by group id, so a transaction's offsets can name the generation they were read in. */
export type GroupRegistry = Map<string, { readonly membership: (topic: string, partition: number, generation?: GroupGeneration) => Membership | undefined; readonly consumer: Consumer }>;

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

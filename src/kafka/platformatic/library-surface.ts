/**
 * The part of @platformatic/kafka's consumer and admin that ./consumer.ts uses, as interfaces the library's
 * classes satisfy. Named so that the simulation (test/simulation/platformatic/) can drive the adapter over a
 * scripted stand-in of the library: joins, streams and stable offsets at the moments a real cluster picks.
 */
import type {
  CommitOptions, ConsumerGroupJoinPayload, ConsumerHeartbeatStalledPayload, GroupOptions, ListConsumerGroupOffsetsGroup,
  ListConsumerGroupOffsetsOptions, ListOffsetsOptions, Message, Offsets,
} from '@platformatic/kafka';

/** The library's errors, so that a stand-in fails as the library does (the adapter's mapping looks inside them). */
export { MultipleErrors as LibraryMultipleErrors, NetworkError as LibraryNetworkError, ProtocolError as LibraryProtocolError } from '@platformatic/kafka';

/** A fetched message as the library hands it out (named here so that a stand-in can build one). */
export type LibraryMessage = Message;

/** The library's MessagesStream: a readable of messages that fetches on its own. */
export interface ReadStream {
  read(): Message | null;
  readonly destroyed: boolean;
  readonly errored: Error | null;
  /** Messages buffered, not yet read (Node's Readable): for the log line of a stream that stopped fetching. */
  readonly readableLength: number;
  isPaused(): boolean;
  /** Node's Readable.destroy: ends the stream and its connections at once (its close can wait for good). */
  destroy(): unknown;
  resume(): unknown;
  on(event: 'fetch' | 'readable' | 'error' | 'close', listener: () => void): unknown;
}

export interface StreamRequest {
  readonly topics: string[];
  readonly mode: 'committed';
  readonly fallbackMode: 'earliest' | 'latest';
  readonly autocommit: false;
}

/** The library's Consumer: a group member whose streams start at the group's committed offsets. */
export interface GroupConsumer {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string | null;
  readonly assignments: readonly { readonly topic: string; readonly partitions: number[] }[] | null;
  readonly coordinatorId: number | null;
  /** KIP-848: the member epoch, which transactional offsets present as their generation (relstream's library patch). */
  readonly memberEpoch: number;
  /** Awaited before partitions are given up in a rebalance (relstream's library patch): commit on revoke. */
  beforeRevoke: ((revoked: { topic: string; partitions: number[] }[]) => Promise<void>) | null;
  /** A member with its heartbeat running (false from the start of a join until it completes, and after one failed). */
  isActive(): boolean;
  consume(options: StreamRequest): Promise<ReadStream>;
  commit(options: CommitOptions): Promise<void>;
  listOffsets(options: ListOffsetsOptions): Promise<Offsets>;
  joinGroup(options: GroupOptions): Promise<string>;
  close(): Promise<void>;
  on(event: 'consumer:group:join', listener: (payload: ConsumerGroupJoinPayload) => void): unknown;
  on(event: 'consumer:group:rebalance', listener: () => void): unknown;
  on(event: 'consumer:heartbeat:stalled', listener: (payload: ConsumerHeartbeatStalledPayload) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The library's Admin, for the group's committed offsets read with requireStable (KIP-447). */
export interface OffsetsAdmin {
  listConsumerGroupOffsets(options: ListConsumerGroupOffsetsOptions): Promise<ListConsumerGroupOffsetsGroup[]>;
  close(): Promise<void>;
}

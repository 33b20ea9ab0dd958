/** An annotated entity of a record: offsets in code points, end exclusive, as records carry them. */
export interface RecordEntity {
  readonly id: string;
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

/** The same entity inside one sentence: offsets in UTF-16 units relative to the sentence start. */
export interface SentenceEntity {
  readonly id: string;
  readonly type: string;
  readonly start: number;
  readonly end: number;
  /** Index into the record's entity list. */
  readonly index: number;
}

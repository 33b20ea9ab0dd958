/**
 * The language a record's sentences are split in. The record's tag is data from outside: Intl rejects tags
 * that are not BCP 47 ("", "en_US", "i-klingon") with a RangeError, and silently uses the host's locale for
 * ones it has no data for, which would make the split depend on the machine. Both fall back to the configured
 * default (Spanish, the model's language): ICU's sentence rules barely differ between languages, so the
 * record is still worth classifying, and the fallback is counted rather than dead-lettered.
 */
export interface SentenceLanguage {
  readonly language: string;
  /** True when the record's own tag could not be used. */
  readonly fellBack: boolean;
}

/** Answers by tag: the ICU lookups cost more than splitting a short record. Bounded: tags come from records. */
const usable = new Map<string, boolean>();
const MAX_CACHED_TAGS = 256;

export function isUsableLanguage(tag: string): boolean {
  let answer = usable.get(tag);
  if (answer === undefined) {
    answer = checkLanguage(tag);
    if (usable.size >= MAX_CACHED_TAGS) usable.clear();
    usable.set(tag, answer);
  }
  return answer;
}

function checkLanguage(tag: string): boolean {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical !== undefined && Intl.Segmenter.supportedLocalesOf([canonical]).length === 1;
  } catch {
    return false;
  }
}

export function sentenceLanguage(tag: string, fallback: string): SentenceLanguage {
  return isUsableLanguage(tag) ? { language: tag, fellBack: false } : { language: fallback, fellBack: true };
}

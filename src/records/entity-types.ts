/**
 * Entity labels a record may carry: the CT-EBM-SP corpus labels (MODEL.md), the attribute labels of the
 * upstream NER (never relation arguments), and any type the model names. Anything else is a malformed record.
 */
export const CORPUS_ENTITY_TYPES = [
  'ANAT', 'CHEM', 'CONC', 'DEVI', 'DISO', 'GENE', 'LIVB', 'PHYS', 'PROC', 'Dose', 'Form', 'Route', 'Age', 'Date',
  'Duration', 'Frequency', 'Time', 'Neg_cue', 'Spec_cue', 'Food', 'Observation', 'Quantifier_or_Qualifier', 'Result_or_Value',
] as const;

export const ATTRIBUTE_TYPES = [
  'Negated', 'Speculated', 'Contraindicated', 'Patient', 'Family_member', 'History_of', 'Future', 'Hypothetical',
] as const;

export function knownEntityTypes(modelTypes: Iterable<string>): ReadonlySet<string> {
  return new Set<string>([...CORPUS_ENTITY_TYPES, ...ATTRIBUTE_TYPES, ...modelTypes]);
}

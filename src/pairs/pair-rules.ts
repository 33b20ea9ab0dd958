/**
 * Which ordered (subject type, object type) combinations can hold a relation, and under which labels: read
 * from the model's constraints, restricted to types whose markers the tokenizer has.
 */
import type { ModelBundle } from '../model/model-dir.js';

export interface PairRules {
  /** Label ids allowed for a subject/object type combination; undefined when no label allows it. */
  allowedLabels(subjectType: string, objectType: string): readonly number[] | undefined;
  /** Whether the type can be an argument at all (it has markers and appears in some constraint). */
  isArgumentType(type: string): boolean;
}

export function pairRulesFor(bundle: Pick<ModelBundle, 'config' | 'markerIds'>): PairRules {
  // Nested by type: a lookup per candidate pair must not build a key string.
  const table = new Map<string, Map<string, number[]>>();
  const argumentTypes = new Set<string>();
  bundle.config.labels.forEach((label, labelId) => {
    const rule = bundle.config.constraints[label];
    if (!rule) return;
    for (const subjectType of rule.subjects) {
      if (!bundle.markerIds.has(subjectType)) continue;
      for (const objectType of rule.objects) {
        if (!bundle.markerIds.has(objectType)) continue;
        argumentTypes.add(subjectType).add(objectType);
        let objects = table.get(subjectType);
        if (!objects) table.set(subjectType, (objects = new Map<string, number[]>()));
        const labels = objects.get(objectType) ?? [];
        labels.push(labelId);
        objects.set(objectType, labels);
      }
    }
  });
  return {
    allowedLabels: (s, o) => table.get(s)?.get(o),
    isArgumentType: (type) => argumentTypes.has(type),
  };
}

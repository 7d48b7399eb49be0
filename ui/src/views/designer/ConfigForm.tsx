import { useMemo } from 'react';

import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { withConfigValue } from '../../lib/inputs';
import { describeFields, validateValue } from '../../lib/jsonSchema';
import type { LocatedProblem } from '../../lib/problems';
import { LiteralWidget } from './fields';
import { domId, FieldShell, problemFor } from './formParts';

export function ConfigForm({
  stepId,
  schema,
  config,
  problems,
  onChange,
}: {
  stepId: string;
  schema: unknown;
  config: JsonValue | null | undefined;
  problems: LocatedProblem[];
  onChange: (config: JsonValue, key: string) => void;
}) {
  const fields = useMemo(() => describeFields(schema), [schema]);
  const values = (config && typeof config === 'object' && !Array.isArray(config) ? config : {}) as Record<
    string,
    JsonValue
  >;
  if (fields.length === 0) return <p className="muted small">This trigger has nothing to configure.</p>;
  return (
    <>
      {fields.map((spec) => {
        const id = domId('cfg', stepId, spec.key);
        const value = values[spec.key];
        const local = value === undefined ? [] : validateValue(spec.schema, value);
        return (
          <FieldShell
            key={spec.key}
            id={id}
            spec={spec}
            problem={problemFor(problems, 'config', spec.key) ?? local[0] ?? null}
          >
            <LiteralWidget
              id={id}
              spec={spec}
              label={spec.title}
              value={value}
              dataField={`config:${spec.key}`}
              describedBy={spec.description || spec.default !== undefined ? `${id}-hint` : undefined}
              invalid={local.length > 0}
              onChange={(v) => onChange(withConfigValue(config, spec.key, v), spec.key)}
            />
          </FieldShell>
        );
      })}
    </>
  );
}

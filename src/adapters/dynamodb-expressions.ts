/**
 * Builds DynamoDB update expressions from plain objects, with placeholders for every name and
 * value (so reserved words like `status` are safe). Dotted keys address nested map attributes.
 */
export interface UpdateSpec {
  set?: Record<string, unknown>;
  remove?: string[];
  /** `list_append(<name>, :value)` for each entry. */
  append?: Record<string, unknown[]>;
  /** `ADD <name> :value` for numbers. */
  add?: Record<string, number>;
}

export class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly placeholders = new Map<string, string>();
  private counter = 0;

  /** Readable placeholders; two different names never share one. */
  name(path: string): string {
    return path
      .split('.')
      .map((segment) => {
        let placeholder = this.placeholders.get(segment);
        if (!placeholder) {
          const readable = `#${segment.replace(/[^A-Za-z0-9_]/g, '_')}`;
          placeholder = this.names[readable] === undefined ? readable : `${readable}_${this.placeholders.size}`;
          this.placeholders.set(segment, placeholder);
          this.names[placeholder] = segment;
        }
        return placeholder;
      })
      .join('.');
  }

  value(value: unknown): string {
    const placeholder = `:v${this.counter++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  update(spec: UpdateSpec): string {
    const clauses: string[] = [];
    const sets = Object.entries(spec.set ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${this.name(k)} = ${this.value(v)}`);
    const appends = Object.entries(spec.append ?? {}).map(
      ([k, v]) => `${this.name(k)} = list_append(if_not_exists(${this.name(k)}, ${this.value([])}), ${this.value(v)})`,
    );
    if (sets.length + appends.length > 0) clauses.push(`SET ${[...sets, ...appends].join(', ')}`);
    if (spec.remove?.length) clauses.push(`REMOVE ${spec.remove.map((k) => this.name(k)).join(', ')}`);
    const adds = Object.entries(spec.add ?? {}).map(([k, v]) => `${this.name(k)} ${this.value(v)}`);
    if (adds.length) clauses.push(`ADD ${adds.join(', ')}`);
    return clauses.join(' ');
  }

  /** `<name> IN (:a, :b)`; DynamoDB allows up to 100 values. */
  in(path: string, values: readonly unknown[]): string {
    return `${this.name(path)} IN (${values.map((v) => this.value(v)).join(', ')})`;
  }

  attributes() {
    return {
      ExpressionAttributeNames: this.names,
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

// Typed reading of a Hugging Face config.json object: required and optional fields with defaults,
// each failure a ConfigError that names the field, so a bad config gives a clear, located message.

/** A config.json that cannot be read as the model type it claims: names the field at fault. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A config.json object (or one of its nested sub-configs) with typed accessors. */
export class ConfigFields {
  constructor(
    readonly raw: Record<string, unknown>,
    /** Where the object sits, for messages: `config.json` or `config.json text_config`. */
    readonly where: string,
  ) {}

  /** A positive integer field, read from the first of `names` present; a ConfigError when absent or malformed. */
  int(...names: string[]): number {
    const value = this.optInt(...names);
    if (value === undefined) throw new ConfigError(`${this.where} has no ${names.join(' / ')} (a positive integer)`);
    return value;
  }

  /** A positive integer field, or undefined when none of `names` is present (null counts as absent). */
  optInt(...names: string[]): number | undefined {
    for (const name of names) {
      const v = this.raw[name];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
        throw new ConfigError(`${this.where} field ${name} is ${JSON.stringify(v)}, not a positive integer`);
      return v;
    }
    return undefined;
  }

  /** A non-negative integer field with a default. */
  count(name: string, fallback: number): number {
    const v = this.raw[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new ConfigError(`${this.where} field ${name} is ${JSON.stringify(v)}, not a non-negative integer`);
    return v;
  }

  /** A boolean field with a default. */
  bool(name: string, fallback: boolean): boolean {
    const v = this.raw[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean')
      throw new ConfigError(`${this.where} field ${name} is ${JSON.stringify(v)}, not a boolean`);
    return v;
  }

  /** A string field, or undefined. */
  str(name: string): string | undefined {
    const v = this.raw[name];
    return typeof v === 'string' ? v : undefined;
  }

  /** A list of strings (or undefined); anything else is a ConfigError. */
  strings(name: string): string[] | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
      throw new ConfigError(`${this.where} field ${name} is not a list of strings`);
    return v as string[];
  }

  /** A list of non-negative integers (or undefined). */
  ints(name: string): number[] | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 0))
      throw new ConfigError(`${this.where} field ${name} is not a list of non-negative integers`);
    return v as number[];
  }

  /** A nested sub-config (`text_config`, `vision_config`), or undefined when absent. */
  sub(name: string): ConfigFields | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v))
      throw new ConfigError(`${this.where} field ${name} is not an object`);
    return new ConfigFields(v as Record<string, unknown>, `${this.where} ${name}`);
  }

  /** A nested sub-config that must be present. */
  needSub(name: string): ConfigFields {
    const s = this.sub(name);
    if (!s) throw new ConfigError(`${this.where} has no ${name}`);
    return s;
  }

  /** The number of output labels: `num_labels`, else the size of `id2label`, else `fallback`. */
  labels(fallback: number): number {
    const n = this.raw.num_labels;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
    const map = this.raw.id2label;
    if (map && typeof map === 'object' && !Array.isArray(map)) return Object.keys(map).length;
    return fallback;
  }
}

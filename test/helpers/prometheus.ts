export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
  /** The value of the one sample with this name and exactly these labels; 0 when absent. */
  value(name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const SUFFIXES: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly: every line must be a HELP,
 * TYPE or sample line, every sample must belong to a family declared by TYPE, label sets must
 * be well formed and values numbers. Throws naming the first bad line.
 */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(meta[3]!)) {
          throw new Error(`line ${i + 1}: unknown type ${meta[3]}`);
        }
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not a sample: ${line}`);
    const [, name, rawLabels = "", rawValue] = m;
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < rawLabels.length) {
      const l = LABEL.exec(rawLabels);
      if (!l) throw new Error(`line ${i + 1}: bad labels: ${rawLabels}`);
      labels[l[1]!] = l[2]!.replace(/\\n/g, "\n").replace(/\\(.)/g, "$1");
    }
    const value = rawValue === "+Inf" ? Infinity : rawValue === "-Inf" ? -Infinity : Number(rawValue);
    if (Number.isNaN(value) && rawValue !== "NaN") throw new Error(`line ${i + 1}: bad value ${rawValue}`);
    const family = [...types.entries()].find(([f, type]) =>
      (SUFFIXES[type] ?? [""]).some((suffix) => name === f + suffix),
    );
    if (!family) throw new Error(`line ${i + 1}: sample ${name} has no TYPE line before it`);
    samples.push({ name: name!, labels, value });
  }
  return {
    types,
    samples,
    value(name, labels = {}) {
      const want = Object.entries(labels);
      const hits = samples.filter(
        (s) =>
          s.name === name &&
          Object.keys(s.labels).length === want.length &&
          want.every(([k, v]) => s.labels[k] === v),
      );
      if (hits.length > 1)
        throw new Error(`${name} ${JSON.stringify(labels)} matches ${hits.length} samples`);
      return hits[0]?.value ?? 0;
    },
  };
}

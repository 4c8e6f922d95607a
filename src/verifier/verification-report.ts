/** The groups of checks a bundle goes through, in the order the report lists them. */
export const CHECKS = [
  'archive',
  'manifest',
  'signature',
  'files',
  'runs',
  'evidence',
  'populations',
  'continuity',
  'coverage',
  'audit',
] as const;

export type CheckName = (typeof CHECKS)[number];

export interface Problem {
  readonly check: CheckName;
  /** A path inside the bundle, or the bundle's own path for a problem with the archive itself. */
  readonly file: string;
  /** 1-based line of `file`, when the problem is on one line. */
  readonly line?: number;
  readonly message: string;
}

/**
 * `incomplete`: no problem found, but a file of the group could not be read to its end (the reason is a
 * `files` problem); `not checked`: nothing of the group could be looked at.
 */
export type CheckStatus = 'ok' | 'failed' | 'incomplete' | 'not checked';

export interface ManifestSummary {
  readonly organization: { readonly id: string; readonly name: string };
  readonly assessment: {
    readonly id: string;
    readonly name: string;
    readonly framework: string;
    readonly status: string;
    readonly periodStart: string;
    readonly periodEnd: string;
  };
  readonly draft: boolean;
  readonly generatedAt: string;
  readonly auditHead: { readonly seq: number; readonly hash: string };
  readonly counts: {
    readonly auditEntries: number;
    readonly runs: number;
    readonly evidence: Readonly<Record<string, number>>;
  };
  readonly keyFingerprint: string;
  /** Whether the key was checked against one given by the caller; if not, the signature proves nothing. */
  readonly keyPinned: boolean;
}

export interface VerificationReport {
  /** True when no check found a problem. An unpinned key is a warning, not a problem. */
  readonly ok: boolean;
  readonly bundle: string;
  /** Absent when the manifest could not be read. */
  readonly manifest?: ManifestSummary;
  readonly checks: readonly { readonly name: CheckName; readonly status: CheckStatus }[];
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

/** Problems reported per file before the rest of that file's are only counted. */
export const PROBLEMS_PER_FILE = 20;

/** Collects problems, keeping the first {@link PROBLEMS_PER_FILE} of each file and counting the rest. */
export class ProblemList {
  private readonly byFile = new Map<string, { kept: Problem[]; count: number }>();
  private readonly failed = new Set<CheckName>();

  add(check: CheckName, file: string, message: string, line?: number): void {
    this.failed.add(check);
    let entry = this.byFile.get(file);
    if (entry === undefined) this.byFile.set(file, (entry = { kept: [], count: 0 }));
    entry.count += 1;
    if (entry.count <= PROBLEMS_PER_FILE)
      entry.kept.push(line === undefined ? { check, file, message } : { check, file, line, message });
  }

  hasFailed(check: CheckName): boolean {
    return this.failed.has(check);
  }

  /** Problems grouped by file in the order files first had one, each group ending in "and N more". */
  list(): Problem[] {
    const out: Problem[] = [];
    for (const [file, { kept, count }] of this.byFile) {
      out.push(...kept);
      const last = kept[kept.length - 1];
      if (last !== undefined && count > kept.length)
        out.push({ check: last.check, file, message: `and ${count - kept.length} more problems` });
    }
    return out;
  }
}

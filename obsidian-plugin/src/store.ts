/** Every problem of the vault as the daemon last described it, and the views built on it:
 * counts for the status bar, groups by note and rule for the problems view. */

import type { Problem, Severity } from "./types";

export type Change = { all: true } | { all: false; paths: string[] };
type Listener = (change: Change) => void;

export interface Filter {
	severities: ReadonlySet<Severity>;
	/** Only this rule (by name), or every rule when null. */
	rule: string | null;
}

export interface RuleGroup {
	rule: string;
	code: string;
	problems: Problem[];
}

export interface NoteGroup {
	path: string;
	count: number;
	rules: RuleGroup[];
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export class ProblemStore {
	private notes = new Map<string, Problem[]>();
	private listeners = new Set<Listener>();
	/** The generation of the last full snapshot; events up to it are already in it. */
	snapshot = -1;

	get synced(): boolean {
		return this.snapshot >= 0;
	}

	onChange(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private emit(change: Change): void {
		for (const listener of [...this.listeners]) listener(change);
	}

	/** Replace everything with a full snapshot (`GET /v1/diagnostics`). */
	replaceAll(problems: Problem[], generation: number): void {
		this.notes = new Map();
		for (const problem of problems) {
			const list = this.notes.get(problem.path);
			if (list) list.push(problem);
			else this.notes.set(problem.path, [problem]);
		}
		this.snapshot = generation;
		this.emit({ all: true });
	}

	/** Forget everything (the daemon went away: its problems may be stale). */
	clear(): void {
		this.notes = new Map();
		this.snapshot = -1;
		this.emit({ all: true });
	}

	/** Nothing changed, but everything is to be shown again (the settings changed). */
	touch(): void {
		this.emit({ all: true });
	}

	/** A `diagnostics` event: one note's problems now (an empty list: none). */
	setNote(path: string, problems: Problem[]): void {
		if (problems.length) this.notes.set(path, problems);
		else this.notes.delete(path);
		this.emit({ all: false, paths: [path] });
	}

	/** A `removed` event. */
	remove(path: string): void {
		this.notes.delete(path);
		this.emit({ all: false, paths: [path] });
	}

	/** A `renamed` event: the problems move with the file until the daemon re-checks it. */
	rename(from: string, to: string): void {
		const problems = this.notes.get(from);
		this.notes.delete(from);
		if (problems) this.notes.set(to, problems.map((p) => ({ ...p, path: to })));
		this.emit({ all: false, paths: [from, to] });
	}

	problemsOf(path: string): Problem[] {
		return this.notes.get(path) ?? [];
	}

	paths(): string[] {
		return [...this.notes.keys()].sort();
	}

	all(): Problem[] {
		return this.paths().flatMap((path) => this.problemsOf(path));
	}

	/** Problems by severity, for the status bar. */
	counts(filter?: (p: Problem) => boolean): Record<Severity, number> {
		const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
		for (const list of this.notes.values()) for (const p of list) if (!filter || filter(p)) counts[p.severity]++;
		return counts;
	}
}

/** Rule names (with codes) that occur, for the problems view's rule filter. */
export function rulesIn(problems: Problem[]): { rule: string; code: string }[] {
	const seen = new Map<string, string>();
	for (const p of problems) seen.set(p.rule, p.code);
	return [...seen].map(([rule, code]) => ({ rule, code })).sort((a, b) => a.code.localeCompare(b.code));
}

/** The problems the filter lets through, grouped by note (path order) and then by rule (code
 * order); within a rule by position; a note's `count` is its problems after filtering. */
export function group(problems: Problem[], filter: Filter): NoteGroup[] {
	const notes = new Map<string, Map<string, RuleGroup>>();
	for (const p of problems) {
		if (!filter.severities.has(p.severity) || (filter.rule !== null && p.rule !== filter.rule)) continue;
		let rules = notes.get(p.path);
		if (!rules) notes.set(p.path, (rules = new Map()));
		let rule = rules.get(p.rule);
		if (!rule) rules.set(p.rule, (rule = { rule: p.rule, code: p.code, problems: [] }));
		rule.problems.push(p);
	}
	return [...notes]
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([path, rules]) => {
			const list = [...rules.values()].sort((a, b) => a.code.localeCompare(b.code));
			for (const r of list)
				r.problems.sort((a, b) => a.line - b.line || a.column - b.column || ORDER[a.severity] - ORDER[b.severity]);
			return { path, count: list.reduce((n, r) => n + r.problems.length, 0), rules: list };
		});
}

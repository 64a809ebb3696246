/** The daemon's JSON shapes, as `vaultkit/openapi.json` describes them (API version 1). */

export type Severity = "error" | "warning" | "info";
export type Applicability = "safe" | "unsafe" | "display";

export interface Edit {
	start: number;
	end: number;
	content: string;
}

export interface Fix {
	applicability: Applicability;
	title: string;
	edits: Edit[];
}

/** One problem: the object `vaultkit check --format json` prints (line and column 1-based, in code points). */
export interface Problem {
	path: string;
	line: number;
	column: number;
	end_line: number;
	end_column: number;
	rule: string;
	code: string;
	severity: Severity;
	message: string;
	fix: Fix | null;
}

export interface Status {
	vault: string;
	version: string;
	api?: number;
	ready: boolean;
	error: string | null;
	generation: number;
	notes: number;
	problems: number;
}

export interface Diagnostics {
	generation: number;
	ready: boolean;
	path?: string;
	problems: Problem[];
}

export interface AppliedFix {
	code: string;
	rule: string;
	title: string;
	line: number;
}

export interface FixResult {
	path: string;
	changed: boolean;
	applied: boolean;
	diff: string;
	text: string;
	fixes: AppliedFix[];
	remaining: Problem[];
	error: string | null;
}

export interface FixRequest {
	path: string;
	apply?: boolean;
	unsafe?: boolean;
	/** Only this problem (a quick fix): its code and 1-based start. */
	problem?: { code: string; line: number; column: number };
}

export interface RuleSummary {
	code: string;
	name: string;
	summary: string;
	active: boolean;
	severity: Severity;
	fixable: boolean;
}

export interface RuleDoc {
	code: string;
	name: string;
	summary: string;
	documentation: string;
}

/** One Server-Sent Event from `/v1/events`: its name and parsed JSON data. */
export interface StreamEvent {
	name: string;
	data: Record<string, unknown>;
	id?: string;
}

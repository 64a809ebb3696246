import type { Problem, Severity } from "../../src/types";

/** A problem as the daemon reports it (positions 1-based), for tests that need many. */
export function problem(path: string, code: string, rule: string, line: number, severity: Severity = "warning"): Problem {
	return { path, code, rule, line, column: 1, end_line: line, end_column: 5, severity, message: `${rule} at ${line}`, fix: null };
}

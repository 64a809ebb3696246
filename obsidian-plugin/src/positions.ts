/**
 * Positions: the daemon counts columns in code points (Python `str` indices), CodeMirror counts
 * UTF-16 code units.  Outside the Basic Multilingual Plane (emoji, math italic letters, rare CJK)
 * one code point is two code units, so every column is converted, never used as is.
 */

import type { Text } from "@codemirror/state";

/** The UTF-16 offset of the code point `points` into `text` (clamped to its length). */
export function utf16Offset(text: string, points: number): number {
	let offset = 0;
	for (let i = 0; i < points && offset < text.length; i++) {
		const code = text.charCodeAt(offset);
		offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < text.length ? 2 : 1;
	}
	return offset;
}

/** The number of code points in `text` before UTF-16 offset `units`. */
export function codePoints(text: string, units: number): number {
	let points = 0;
	for (let offset = 0; offset < units && offset < text.length; points++) {
		const code = text.charCodeAt(offset);
		offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < text.length ? 2 : 1;
	}
	return points;
}

/** The document offset of a 1-based line and 1-based code-point column (clamped into the doc). */
export function offsetOf(doc: Text, line: number, column: number): number {
	const target = doc.line(Math.min(Math.max(line, 1), doc.lines));
	return target.from + utf16Offset(target.text, Math.max(column - 1, 0));
}

/** The 1-based line and code-point column of a document offset (the inverse of {@link offsetOf}). */
export function positionOf(doc: Text, offset: number): { line: number; column: number } {
	const line = doc.lineAt(offset);
	return { line: line.number, column: codePoints(line.text, offset - line.from) + 1 };
}

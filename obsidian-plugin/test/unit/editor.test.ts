import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type Settings } from "../../src/settings";
import { diagnosticsFor, markSaved, rangeOf, savedField } from "../../src/editor";
import { ProblemStore } from "../../src/store";
import type { Problem } from "../../src/types";

const TEXT = "# 标题 🎉\n中文 😀 [[缺失]] end\n";

/** The problem covering the first occurrence of `target`, in the daemon's terms (1-based, code points). */
function problemAt(text: string, target: string, fix: Problem["fix"] = null): Problem {
	const start = text.indexOf(target);
	const position = (offset: number) => {
		const before = text.slice(0, offset).split("\n");
		return { line: before.length, column: [...before[before.length - 1]].length + 1 };
	};
	const a = position(start);
	const b = position(start + target.length);
	return { path: "N.md", line: a.line, column: a.column, end_line: b.line, end_column: b.column, rule: "broken-wikilink", code: "VK201", severity: "warning", message: "no note", fix };
}

const slice = (state: EditorState, p: Problem) => {
	const { from, to } = rangeOf(state, p);
	return state.doc.sliceString(from, to);
};

describe("lint ranges through the editor's transactions", () => {
	const problem = problemAt(TEXT, "[[缺失]]");
	const start = EditorState.create({ doc: TEXT, extensions: [savedField] });

	it("lie on the reported text, after CJK and emoji", () => {
		expect(slice(start, problem)).toBe("[[缺失]]");
	});
	it("follow text typed before them, on another line or the same", () => {
		let state = start.update({ changes: { from: 0, insert: "新的一行 🚀\n" } }).state;
		state = state.update({ changes: { from: state.doc.line(3).from, insert: "👍👍 " } }).state;
		expect(slice(state, problem)).toBe("[[缺失]]");
	});
	it("keep text typed at either edge outside and text typed inside in", () => {
		const at = TEXT.indexOf("[[缺失]]");
		let state = start.update({ changes: [{ from: at, insert: "<" }, { from: at + 6, insert: ">" }] }).state;
		expect(slice(state, problem)).toBe("[[缺失]]");
		state = state.update({ changes: { from: at + 4, insert: "的" } }).state; // after "<[[缺"
		expect(slice(state, problem)).toBe("[[缺的失]]");
	});
	it("collapse when their text is deleted", () => {
		const at = TEXT.indexOf("[[缺失]]");
		const state = start.update({ changes: { from: at - 1, to: at + 7 } }).state;
		const { from, to } = rangeOf(state, problem);
		expect(to).toBe(from);
	});
	it("are read against the new text once the note is saved again", () => {
		const at = TEXT.indexOf("end");
		let state = start.update({ changes: { from: at, insert: "[[另一个]] " } }).state;
		state = state.update({ effects: markSaved.of(null) }).state;
		const fresh = problemAt(state.doc.toString(), "[[另一个]]");
		expect(slice(state, fresh)).toBe("[[另一个]]");
		state = state.update({ changes: { from: 0, insert: "x" } }).state;
		expect(slice(state, fresh)).toBe("[[另一个]]");
	});
});

describe("diagnostics for the lint extension", () => {
	const host = (settings: Partial<Settings> = {}) => ({
		store: new ProblemStore(),
		prefs: () => ({ ...DEFAULT_SETTINGS, ...settings }),
		pathOf: () => "N.md",
		quickFix: () => undefined,
		openRule: () => undefined,
	});
	const state = EditorState.create({ doc: TEXT, extensions: [savedField] });
	const fix = (applicability: "safe" | "unsafe" | "display") => ({ applicability, title: "Link to [[Quelle]]", edits: [] });

	it("carry severity, the rule code and quick fixes, unsafe ones marked", () => {
		const [safe, unsafe, display, none] = diagnosticsFor(
			state,
			[problemAt(TEXT, "[[缺失]]", fix("safe")), problemAt(TEXT, "[[缺失]]", fix("unsafe")), problemAt(TEXT, "[[缺失]]", fix("display")), { ...problemAt(TEXT, "end"), severity: "info" }],
			host(),
		);
		expect(safe.source).toBe("VK201 broken-wikilink");
		expect(safe.actions?.map((a) => a.name)).toEqual(["Link to [[Quelle]]", "About VK201"]);
		expect(unsafe.actions?.map((a) => [a.name, a.markClass])).toEqual([["Link to [[Quelle]] (unsafe)", "vaultkit-fix-unsafe"], ["About VK201", "vaultkit-rule-doc"]]);
		expect(display.actions?.map((a) => a.name)).toEqual(["About VK201"]);
		expect(display.message).toBe("no note (Link to [[Quelle]])");
		expect(none.severity).toBe("info");
	});
	it("follow the settings: no unsafe fixes, no info", () => {
		const found = diagnosticsFor(state, [problemAt(TEXT, "[[缺失]]", fix("unsafe")), { ...problemAt(TEXT, "end"), severity: "info" }], host({ unsafeQuickFixes: false, minSeverity: "warning" }));
		expect(found).toHaveLength(1);
		expect(found[0].actions?.map((a) => a.name)).toEqual(["About VK201"]);
	});
});

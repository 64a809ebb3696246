import { EditorState, type TransactionSpec } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type Settings } from "../../src/settings";
import { ApiError } from "../../src/client";
import { diagnosticsFor, markSaved, quickFix, rangeOf, savedField } from "../../src/editor";
import { ProblemStore } from "../../src/store";
import type { FixRequest, Problem } from "../../src/types";

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

describe("a quick fix", () => {
	/** An editor without a DOM: the state and dispatch the quick fix uses. */
	function editor(doc: string) {
		const view = {
			state: EditorState.create({ doc, extensions: [savedField] }),
			dispatch(spec: TransactionSpec) {
				view.state = view.state.update(spec).state;
			},
		};
		return view;
	}
	const text = "# 标题\n\n---\n中文 😀 [[Targt]]\n";
	const problem = { ...problemAt(text, "[[Targt]]"), fix: { applicability: "unsafe" as const, title: "Link to 'Target'", edits: [] } };

	it("names the problem where its mark is now, asks again while the daemon is behind, and updates the editor", async () => {
		const view = editor(text);
		view.dispatch({ changes: { from: 0, insert: "新 🚀\n" } }); // typed above the problem, then saved
		const requests: unknown[] = [];
		const fixed = view.state.doc.toString().replace("[[Targt]]", "[[Target]]");
		const client = {
			fix: async (request: FixRequest) => {
				requests.push(request);
				if (requests.length < 3) throw new ApiError(409, requests.length === 1 ? "changed" : "stale", "not yet");
				return { path: "N.md", changed: true, applied: true, diff: "", text: fixed.replace(/\n/g, "\r\n"), fixes: [], remaining: [], error: null };
			},
		};
		const from = rangeOf(view.state, problem).from;
		let saved = 0;
		const result = await quickFix(client, view, "N.md", problem, from, async () => void saved++, { times: 5, pause: 1 });
		expect(result.applied && saved === 1).toBe(true);
		expect(requests).toHaveLength(3);
		expect(requests[0]).toEqual({ path: "N.md", apply: true, unsafe: true, problem: { code: "VK201", line: 5, column: 6 } });
		expect(view.state.doc.toString()).toBe(fixed); // CRLF from disk arrives as the editor's \n
	});

	it("gives up after its retries, and passes other errors on at once", async () => {
		const view = editor(text);
		let calls = 0;
		const busy = { fix: async () => ((calls += 1), Promise.reject(new ApiError(409, "changed", "busy"))) };
		await expect(quickFix(busy, view, "N.md", problem, 0, async () => undefined, { times: 2, pause: 1 })).rejects.toMatchObject({ code: "changed" });
		expect(calls).toBe(3);
		calls = 0;
		const gone = { fix: async () => ((calls += 1), Promise.reject(new ApiError(404, "not_found", "gone"))) };
		await expect(quickFix(gone, view, "N.md", problem, 0, async () => undefined)).rejects.toMatchObject({ status: 404 });
		expect(calls).toBe(1);
		expect(view.state.doc.toString()).toBe(text);
	});

	it("leaves the editor alone when the user typed while the daemon fixed the file", async () => {
		const view = editor(text);
		const client = {
			fix: async () => {
				view.dispatch({ changes: { from: 0, insert: "x" } });
				return { path: "N.md", changed: true, applied: true, diff: "", text: "fixed\n", fixes: [], remaining: [], error: null };
			},
		};
		await quickFix(client, view, "N.md", problem, 0, async () => undefined);
		expect(view.state.doc.toString()).toBe(`x${text}`);
	});
});

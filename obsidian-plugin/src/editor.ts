/**
 * The editor part: the open note's problems as CodeMirror 6 lint marks (`@codemirror/lint`,
 * which Obsidian provides at run time), with the rule code, the message and quick fixes.
 *
 * The daemon's positions describe the note as last saved, while the editor may already hold
 * more typing.  So the extension remembers the document as saved and every change made since
 * (`savedField`); a problem's line and column are resolved in the saved text and then mapped
 * through those changes.  Between updates the lint marks themselves are mapped through each
 * transaction by `@codemirror/lint`; a push from the daemon replaces them.
 */

import type { Action, Diagnostic } from "@codemirror/lint";
import { setDiagnostics } from "@codemirror/lint";
import {
	ChangeSet,
	type EditorState,
	type Extension,
	StateEffect,
	StateField,
	type Text,
	type TransactionSpec,
} from "@codemirror/state";
import { type EditorView, ViewPlugin, type ViewUpdate } from "@codemirror/view";
import { ApiError } from "./client";
import { offsetOf, positionOf } from "./positions";
import { type Settings, shown } from "./settings";
import type { ProblemStore } from "./store";
import type { FixRequest, FixResult, Problem } from "./types";

/** Dispatched when the editor's text is what is on disk (Obsidian saved or reloaded the note). */
export const markSaved = StateEffect.define<null>();

interface Saved {
	doc: Text;
	/** The changes since `doc` was saved: they take saved positions to current ones. */
	changes: ChangeSet;
}

export const savedField = StateField.define<Saved>({
	create: (state) => ({ doc: state.doc, changes: ChangeSet.empty(state.doc.length) }),
	update(value, tr) {
		if (tr.effects.some((e) => e.is(markSaved))) {
			return { doc: tr.state.doc, changes: ChangeSet.empty(tr.state.doc.length) };
		}
		return tr.docChanged ? { doc: value.doc, changes: value.changes.compose(tr.changes) } : value;
	},
});

/** Where a problem (reported for the saved text) lies in the current document.  Text typed at
 * either edge stays outside the range; a range whose text was deleted collapses. */
export function rangeOf(state: EditorState, problem: Problem): { from: number; to: number } {
	const saved = state.field(savedField);
	const start = offsetOf(saved.doc, problem.line, problem.column);
	const end = Math.max(start, offsetOf(saved.doc, problem.end_line, problem.end_column));
	const from = saved.changes.mapPos(start, 1);
	return { from, to: Math.max(from, saved.changes.mapPos(end, -1)) };
}

/** What the extension needs from its host (the plugin in Obsidian, the test page in a browser). */
export interface EditorHost {
	store: ProblemStore;
	prefs(): Settings;
	/** The vault-relative path of the note a view shows, or null. */
	pathOf(view: EditorView): string | null;
	/** Fix `problem`, whose mark is now at `from` (it may have moved since it was reported). */
	quickFix(view: EditorView, problem: Problem, from: number): void;
	openRule(rule: string): void;
}

/** The lint diagnostics for a note's problems in this editor state. */
export function diagnosticsFor(state: EditorState, problems: Problem[], host: EditorHost): Diagnostic[] {
	const settings = host.prefs();
	const found: Diagnostic[] = [];
	for (const problem of problems) {
		if (!shown(problem.severity, settings.minSeverity)) continue;
		const { from, to } = rangeOf(state, problem);
		const actions: Action[] = [];
		const fix = problem.fix;
		let message = problem.message;
		if (fix?.applicability === "safe" || (fix?.applicability === "unsafe" && settings.unsafeQuickFixes)) {
			actions.push({
				name: fix.applicability === "safe" ? fix.title : `${fix.title} (unsafe)`,
				markClass: `vaultkit-fix-${fix.applicability}`,
				apply: (view, from) => host.quickFix(view, problem, from),
			});
		} else if (fix?.applicability === "display") {
			message += ` (${fix.title})`;
		}
		actions.push({ name: `About ${problem.code}`, markClass: "vaultkit-rule-doc", apply: () => host.openRule(problem.rule) });
		found.push({
			from,
			to,
			severity: problem.severity,
			message,
			source: `${problem.code} ${problem.rule}`,
			markClass: "vaultkit-mark",
			actions,
		});
	}
	return found;
}

class Marks {
	private path: string | null;
	private readonly unsubscribe: () => void;
	private queued = false;
	private destroyed = false;

	constructor(
		private readonly view: EditorView,
		private readonly host: EditorHost,
	) {
		this.path = host.pathOf(view);
		this.unsubscribe = host.store.onChange((change) => {
			if (change.all || (this.path !== null && change.paths.includes(this.path))) this.refresh();
		});
		this.refresh();
	}

	update(update: ViewUpdate): void {
		const path = this.host.pathOf(update.view);
		if (path !== this.path) {
			this.path = path;
			this.refresh();
		}
	}

	/** Replace the marks with the store's problems for this note (after the current update:
	 * a view cannot be dispatched to while it updates). */
	refresh(): void {
		if (this.queued) return;
		this.queued = true;
		queueMicrotask(() => {
			this.queued = false;
			if (this.destroyed) return;
			const problems = this.path === null ? [] : this.host.store.problemsOf(this.path);
			const state = this.view.state;
			this.view.dispatch(setDiagnostics(state, diagnosticsFor(state, problems, this.host)));
		});
	}

	destroy(): void {
		this.destroyed = true;
		this.unsubscribe();
	}
}

export const marksPlugin = (host: EditorHost) => ViewPlugin.define((view) => new Marks(view, host));

/** The editor extension: registered once, it serves every editor the host shows a note in. */
export function vaultkitEditor(host: EditorHost): Extension {
	return [savedField, marksPlugin(host)];
}

/** Make the editor hold `text` (the note as the daemon wrote it) with the smallest change, so
 * the cursor and the undo history survive; false, touching nothing, when the editor no longer
 * holds `expected` (typing went on during the request: the host's reload from disk decides). */
export function replaceWith(view: FixableView, expected: string, text: string): boolean {
	const current = view.state.doc.toString();
	if (current !== expected) return false;
	const next = text.replace(/\r\n?/g, "\n");
	let start = 0;
	while (start < current.length && start < next.length && current.charCodeAt(start) === next.charCodeAt(start)) start++;
	let endOld = current.length;
	let endNew = next.length;
	while (endOld > start && endNew > start && current.charCodeAt(endOld - 1) === next.charCodeAt(endNew - 1)) {
		endOld--;
		endNew--;
	}
	view.dispatch({
		changes: { from: start, to: endOld, insert: next.slice(start, endNew) },
		effects: markSaved.of(null),
		userEvent: "input.vaultkit",
	});
	return true;
}

/** The part of an editor a quick fix needs (an EditorView, or a stand-in in unit tests). */
export interface FixableView {
	readonly state: EditorState;
	dispatch(spec: TransactionSpec): void;
}

/**
 * A quick fix: the daemon fixes exactly this problem in the file (compare-and-swap, journalled
 * for `vaultkit undo`) and the editor is brought to the result.  `save` first writes the editor
 * to disk, so that the daemon fixes what the user sees; the problem is named by where its mark
 * is now (`from`), which after the save is where the daemon will find it.  Until the daemon has
 * read the saved note it answers 409 (`changed`, or `stale` at the new position): then the fix is
 * asked for again, a few times.
 */
export async function quickFix(
	client: { fix(request: FixRequest): Promise<FixResult> },
	view: FixableView,
	path: string,
	problem: Problem,
	from: number,
	save: () => Promise<void>,
	retry = { times: 8, pause: 250 },
): Promise<FixResult> {
	await save();
	const at = positionOf(view.state.doc, Math.min(from, view.state.doc.length));
	for (let attempt = 0; ; attempt++) {
		const before = view.state.doc.toString();
		try {
			const result = await client.fix({
				path,
				apply: true,
				unsafe: problem.fix?.applicability === "unsafe",
				problem: { code: problem.code, line: at.line, column: at.column },
			});
			if (result.applied) replaceWith(view, before, result.text);
			return result;
		} catch (error) {
			if (!(error instanceof ApiError && error.status === 409) || attempt >= retry.times) throw error;
			await new Promise((resolve) => setTimeout(resolve, retry.pause));
		}
	}
}

/**
 * The test page: the plugin's CodeMirror extension and problems view, with the real
 * @codemirror packages, connected to a real daemon (through the test's proxy, so that the
 * daemon sees Obsidian's origin).  The test drives it through `window.vaultkitTest`.
 */

import { forEachDiagnostic } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import { VaultkitClient } from "../../src/client";
import { Connection, type ConnectionState } from "../../src/connection";
import { type EditorHost, markSaved, quickFix, replaceWith, vaultkitEditor } from "../../src/editor";
import { type PanelHost, ProblemsPanel, statusText } from "../../src/panel";
import { offsetOf } from "../../src/positions";
import { DEFAULT_SETTINGS } from "../../src/settings";
import { ProblemStore } from "../../src/store";
import type { Problem } from "../../src/types";

interface Mark {
	from: number;
	to: number;
	text: string;
	source: string;
	severity: string;
}

declare global {
	interface Window {
		vaultkitTest: {
			start(token: string, path: string, text: string): void;
			marks(): Mark[];
			doc(): string;
			reload(text: string): void;
			state(): ConnectionState["kind"];
			log: string[];
		};
	}
}

const log: string[] = [];
let view: EditorView;
let state: ConnectionState = { kind: "connecting" };
const store = new ProblemStore();

window.vaultkitTest = {
	log,
	start(token, path, text) {
		const client = new VaultkitClient(location.origin, token);
		const host: EditorHost & PanelHost = {
			store,
			prefs: () => DEFAULT_SETTINGS,
			pathOf: () => path,
			quickFix: (v, problem, from) => {
				quickFix(client, v, path, problem, from, async () => undefined)
					.then((result) => log.push(`fixed ${result.fixes.map((f) => f.code).join(",")}`))
					.catch((error) => log.push(`fix failed: ${error}`));
			},
			openRule: (rule) => {
				client.rule(rule).then((doc) => {
					document.getElementById("rule")!.textContent = doc.documentation;
				});
			},
			open: (problem: Problem) => {
				const at = offsetOf(view.state.doc, problem.line, problem.column);
				view.dispatch({ selection: { anchor: at }, scrollIntoView: true });
				log.push(`opened ${problem.path}:${problem.line}`);
			},
		};
		view = new EditorView({
			parent: document.getElementById("editor")!,
			state: EditorState.create({ doc: text, extensions: [lineNumbers(), EditorView.lineWrapping, vaultkitEditor(host)] }),
		});
		new ProblemsPanel(document.getElementById("panel")!, host);
		const status = document.getElementById("status")!;
		store.onChange(() => {
			status.textContent = statusText(store.counts(), "info");
		});
		const connection = new Connection({
			discover: async () => client,
			store,
			onState: (s) => {
				state = s;
			},
		});
		void connection.start();
	},
	marks() {
		const found: Mark[] = [];
		forEachDiagnostic(view.state, (d, from, to) => {
			found.push({ from, to, text: view.state.doc.sliceString(from, to), source: d.source ?? "", severity: d.severity });
		});
		return found;
	},
	doc: () => view.state.doc.toString(),
	/** What Obsidian does when a note changes on disk: the editor takes the new text. */
	reload(text) {
		if (!replaceWith(view, view.state.doc.toString(), text)) throw new Error("reload refused");
		view.dispatch({ effects: markSaved.of(null) });
	},
	state: () => state.kind,
};

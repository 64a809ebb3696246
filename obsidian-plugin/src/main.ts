/**
 * vaultkit for Obsidian: the vault's problems from `vaultkit watch` as lint marks in the editor,
 * in a problems view and in the status bar, with the daemon's fixes one click away.
 */

import type { EditorView } from "@codemirror/view";
import {
	editorInfoField,
	FileSystemAdapter,
	MarkdownView,
	Notice,
	Platform,
	Plugin,
	type TAbstractFile,
	TFile,
} from "obsidian";
import { ApiError, type VaultkitClient } from "./client";
import { Connection, type ConnectionState } from "./connection";
import { DISCOVERY, discover, findExecutable, parseDiscovery, type Started, startWatch } from "./daemon";
import { type EditorHost, markSaved, quickFix, vaultkitEditor } from "./editor";
import { type PanelHost, statusText } from "./panel";
import { utf16Offset } from "./positions";
import { readSettings, type Settings, shown } from "./settings";
import { ProblemStore } from "./store";
import type { FixResult, Problem } from "./types";
import { DiffModal, ProblemsView, RuleModal, RulePicker, SettingsTab, VIEW_TYPE } from "./ui";

const START_WAIT = 30_000; // ms a started daemon may take to publish its address

export default class VaultkitPlugin extends Plugin implements EditorHost, PanelHost {
	settings!: Settings;
	readonly store = new ProblemStore();
	private connection: Connection<VaultkitClient> | null = null;
	private started: Started | null = null;
	private statusBar!: HTMLElement;
	private lastNotice = "";

	async onload(): Promise<void> {
		this.settings = readSettings(await this.loadData());
		this.registerView(VIEW_TYPE, (leaf) => new ProblemsView(leaf, this));
		this.registerEditorExtension(vaultkitEditor(this));
		this.statusBar = this.addStatusBarItem();
		this.statusBar.addClass("vaultkit-status", "mod-clickable");
		this.statusBar.addEventListener("click", () => void this.openProblems());
		this.register(this.store.onChange(() => this.showStatus()));
		this.addSettingTab(new SettingsTab(this.app, this));
		this.addCommands();
		this.registerEvent(this.app.vault.on("modify", (file) => void this.saved(file)));
		if (!Platform.isDesktop) {
			this.statusBar.setText("vaultkit: desktop only");
			return;
		}
		this.app.workspace.onLayoutReady(() => this.connect());
	}

	async onunload(): Promise<void> {
		await this.connection?.stop();
		this.started?.stop();
	}

	async saveSettings(reconnect: boolean): Promise<void> {
		await this.saveData(this.settings);
		this.showStatus();
		this.store.touch(); // the marks and views read the settings when they render
		if (reconnect && this.connection?.state.kind !== "connected") {
			await this.connection?.stop();
			this.connect();
		}
	}

	private connect(): void {
		this.connection = new Connection<VaultkitClient>({
			discover: (signal) => this.discoverOrStart(signal),
			store: this.store,
			onState: (state) => this.stateChanged(state),
		});
		void this.connection.start();
	}

	// -- the daemon ----------------------------------------------------------------------

	private read = async (path: string): Promise<string | null> => {
		const adapter = this.app.vault.adapter;
		return (await adapter.exists(path)) ? adapter.read(path) : null;
	};

	private async discoverOrStart(signal: AbortSignal): Promise<VaultkitClient | string> {
		const found = await discover(this.read);
		if (typeof found !== "string" || !this.settings.startDaemon) {
			return typeof found === "string" ? `${found}: run \`vaultkit watch\` in the vault, or let the plugin start it (settings)` : found;
		}
		if (this.started?.running()) return `${found} (waiting for the daemon the plugin started)`;
		const adapter = this.app.vault.adapter;
		if (!(adapter instanceof FileSystemAdapter)) return "vaultkit needs a vault on the local disk";
		const executable = await findExecutable(this.settings.executable);
		if (!executable) {
			return this.settings.executable
				? `${this.settings.executable} is not an executable file (see the plugin's settings)`
				: "vaultkit is not installed, or not where the plugin looks: `pip install vaultkit`, or set its path in the plugin's settings";
		}
		const started = await startWatch(executable, adapter.getBasePath());
		this.started = started;
		const deadline = Date.now() + START_WAIT;
		while (Date.now() < deadline && started.running() && !signal.aborted) {
			const client = await discover(this.read);
			const info = parseDiscovery(await this.read(DISCOVERY).catch(() => null));
			if (typeof client !== "string" && info?.pid === started.pid) return client;
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		if (!started.running()) return `vaultkit watch stopped (exit status ${started.exitCode()}): ${started.errors() || "no message"}`;
		return "the daemon the plugin started did not publish its address";
	}

	/** Every reason the plugin cannot show problems is a notice (once), except that no daemon
	 * runs when the user chose to start it themselves: the status bar says that quietly. */
	private stateChanged(state: ConnectionState): void {
		if (state.kind === "incompatible") this.notice(`vaultkit: ${state.reason}`, 0);
		else if (state.kind === "offline" && !state.reason.startsWith("no `vaultkit watch`")) this.notice(`vaultkit: ${state.reason}`);
		else if (state.kind === "connected") this.lastNotice = "";
		this.showStatus();
	}

	/** A notice, once per distinct message (a daemon that stays away is not announced at every retry). */
	private notice(message: string, timeout?: number): void {
		if (message === this.lastNotice) return;
		this.lastNotice = message;
		new Notice(message, timeout);
	}

	private showStatus(): void {
		const state = this.connection?.state;
		const min = this.settings.minSeverity;
		let text = statusText(this.store.counts((p) => shown(p.severity, min)), min);
		if (state?.kind === "checking") text = "vaultkit: checking…";
		else if (state?.kind === "offline" || state?.kind === "connecting") text += state.kind === "offline" ? " (offline)" : "";
		else if (state?.kind === "incompatible") text = "vaultkit: incompatible";
		this.statusBar?.setText(text);
		this.statusBar?.setAttr("aria-label", state?.kind === "offline" || state?.kind === "incompatible" ? state.reason : "vaultkit problems");
	}

	/** The connected daemon's client; null, after a notice, when there is none or (for what
	 * needs the checked vault: fixes) when its last answer said the first check still runs. */
	private client(needsCheck = true): VaultkitClient | null {
		const client = this.connection?.client ?? null;
		if (!client) new Notice("vaultkit: not connected to `vaultkit watch`");
		else if (needsCheck && !client.ready) new Notice("vaultkit: still checking the vault; try again in a moment");
		else return client;
		return null;
	}

	// -- editors -------------------------------------------------------------------------

	prefs = (): Settings => this.settings;

	pathOf(view: EditorView): string | null {
		return view.state.field(editorInfoField, false)?.file?.path ?? null;
	}

	private editorsOf(path: string | null): EditorView[] {
		const views: EditorView[] = [];
		for (const leaf of this.app.workspace.getLeavesOfType("markdown")) {
			const md = leaf.view as MarkdownView;
			const cm = (md.editor as unknown as { cm?: EditorView }).cm;
			if (cm && (path === null || md.file?.path === path)) views.push(cm);
		}
		return views;
	}

	/** A note was written: once its editors hold exactly what is on disk, positions the daemon
	 * reports from now on are positions in that text. */
	private async saved(file: TAbstractFile): Promise<void> {
		if (!(file instanceof TFile) || file.extension !== "md" || !this.editorsOf(file.path).length) return;
		for (let attempt = 0; attempt < 10; attempt++) {
			const disk = (await this.app.vault.adapter.read(file.path)).replace(/\r\n?/g, "\n");
			const pending = this.editorsOf(file.path).filter((cm) => cm.state.doc.toString() !== disk);
			for (const cm of this.editorsOf(file.path)) if (!pending.includes(cm)) cm.dispatch({ effects: markSaved.of(null) });
			if (!pending.length) return;
			await new Promise((resolve) => setTimeout(resolve, 100)); // Obsidian may still be loading the change
		}
	}

	quickFix(view: EditorView, problem: Problem, from: number): void {
		const client = this.client();
		const info = view.state.field(editorInfoField, false);
		if (!client || !info?.file) return;
		const save = async () => {
			if (info instanceof MarkdownView) await info.save();
		};
		quickFix(client, view, info.file.path, problem, from, save)
			.then((result) => {
				if (!result.applied) new Notice(`vaultkit: nothing to change${result.error ? `: ${result.error}` : ""}`);
			})
			.catch((error) => new Notice(`vaultkit: ${describe(error)}`));
	}

	openRule(rule: string): void {
		const client = this.client(false);
		client
			?.rule(rule)
			.then((doc) => new RuleModal(this.app, doc.documentation).open())
			.catch((error) => new Notice(`vaultkit: ${describe(error)}`));
	}

	async open(problem: Problem): Promise<void> {
		const file = this.app.vault.getFileByPath(problem.path);
		if (!file) return;
		const leaf = this.app.workspace.getLeaf(false);
		await leaf.openFile(file);
		const view = leaf.view;
		if (!(view instanceof MarkdownView)) return;
		const line = Math.min(problem.line - 1, view.editor.lineCount() - 1);
		const ch = utf16Offset(view.editor.getLine(line), problem.column - 1);
		view.editor.setCursor({ line, ch });
		view.editor.scrollIntoView({ from: { line, ch }, to: { line, ch } }, true);
		view.editor.focus();
	}

	// -- commands ------------------------------------------------------------------------

	private async openProblems(): Promise<void> {
		const existing = this.app.workspace.getLeavesOfType(VIEW_TYPE)[0];
		const leaf = existing ?? this.app.workspace.getRightLeaf(false);
		if (!leaf) return;
		if (!existing) await leaf.setViewState({ type: VIEW_TYPE, active: true });
		await this.app.workspace.revealLeaf(leaf);
	}

	private addCommands(): void {
		this.addCommand({ id: "open-problems", name: "Show problems", callback: () => void this.openProblems() });
		this.addCommand({
			id: "fix-note",
			name: "Fix safe problems in this note",
			checkCallback: (checking) => {
				const view = this.app.workspace.getActiveViewOfType(MarkdownView);
				if (!view?.file) return false;
				if (!checking) void this.fixNotes([view.file.path], view);
				return true;
			},
		});
		this.addCommand({
			id: "fix-vault",
			name: "Fix safe problems in the vault",
			callback: () => {
				const paths = this.store.paths().filter((path) => this.store.problemsOf(path).some((p) => p.fix?.applicability === "safe"));
				void this.fixNotes(paths);
			},
		});
		this.addCommand({
			id: "recheck",
			name: "Re-check the vault",
			callback: () => {
				this.client()
					?.recheck()
					.then(() => new Notice("vaultkit: re-checking the vault"))
					.catch((error) => new Notice(`vaultkit: ${describe(error)}`));
			},
		});
		this.addCommand({
			id: "rule-doc",
			name: "Open a rule's documentation",
			callback: () => {
				this.client(false)
					?.rules()
					.then((rules) => new RulePicker(this.app, rules, (rule) => this.openRule(rule.name)).open())
					.catch((error) => new Notice(`vaultkit: ${describe(error)}`));
			},
		});
	}

	/** Preview the safe fixes of these notes as one diff, and apply them if the user agrees. */
	private async fixNotes(paths: string[], view?: MarkdownView): Promise<void> {
		const client = this.client();
		if (!client) return;
		if (!paths.length) {
			new Notice("vaultkit: no safe fixes to make");
			return;
		}
		await view?.save();
		const previews: FixResult[] = [];
		for (const path of paths) {
			try {
				const preview = await client.fix({ path });
				if (preview.changed) previews.push(preview);
			} catch (error) {
				new Notice(`vaultkit: ${path}: ${describe(error)}`);
			}
		}
		if (!previews.length) {
			new Notice("vaultkit: no safe fixes to make");
			return;
		}
		const diff = previews.map((p) => p.diff || `(${p.path}: its encoding changes)\n`).join("");
		const heading = previews.length === 1 ? `Fix ${previews[0].path}` : `Fix ${previews.length} notes`;
		new DiffModal(this.app, heading, diff, async () => {
			let done = 0;
			for (const preview of previews) {
				try {
					if ((await client.fix({ path: preview.path, apply: true })).applied) done++;
				} catch (error) {
					new Notice(`vaultkit: ${preview.path}: ${describe(error)}`);
				}
			}
			new Notice(`vaultkit: fixed ${done} note${done === 1 ? "" : "s"} (\`vaultkit undo\` reverts)`);
		}).open();
	}
}

function describe(error: unknown): string {
	if (error instanceof ApiError) return error.message;
	return error instanceof Error ? error.message : String(error);
}

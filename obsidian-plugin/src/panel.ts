/**
 * The problems view: every problem of the vault grouped by note and rule, filterable by severity
 * and rule; a click opens the note at the problem.  Plain DOM (no Obsidian helpers), so the same
 * code runs in Obsidian's side pane and in the browser test.
 */

import { type Settings, shown } from "./settings";
import { type Filter, group, type ProblemStore, rulesIn } from "./store";
import type { Problem, Severity } from "./types";

export interface PanelHost {
	store: ProblemStore;
	prefs(): Settings;
	open(problem: Problem): void;
	openRule(rule: string): void;
}

const SEVERITIES: Severity[] = ["error", "warning", "info"];
/** Rows drawn at most: a vault with thousands of problems stays responsive; the filters narrow it. */
export const MAX_ROWS = 1000;
const ICONS: Record<Severity, string> = { error: "✖", warning: "▲", info: "ℹ" };

export class ProblemsPanel {
	readonly filter: { severities: Set<Severity>; rule: string | null } = {
		severities: new Set(SEVERITIES),
		rule: null,
	};
	private readonly unsubscribe: () => void;
	private readonly doc: Document;

	constructor(
		readonly root: HTMLElement,
		private readonly host: PanelHost,
	) {
		this.doc = root.ownerDocument;
		root.classList.add("vaultkit-problems");
		this.unsubscribe = host.store.onChange(() => this.render());
		this.render();
	}

	private el<K extends keyof HTMLElementTagNameMap>(
		tag: K,
		parent: HTMLElement,
		cls?: string,
		text?: string,
	): HTMLElementTagNameMap[K] {
		const node = this.doc.createElement(tag);
		if (cls) node.className = cls;
		if (text !== undefined) node.textContent = text;
		parent.appendChild(node);
		return node;
	}

	render(): void {
		const min = this.host.prefs().minSeverity;
		const problems = this.host.store.all().filter((p) => shown(p.severity, min));
		const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
		for (const p of problems) counts[p.severity]++;
		this.root.replaceChildren();
		const bar = this.el("div", this.root, "vaultkit-filters");
		for (const severity of SEVERITIES) {
			if (!shown(severity, min)) continue;
			const label = this.el("label", bar, `vaultkit-filter vaultkit-${severity}`);
			const box = this.el("input", label);
			box.type = "checkbox";
			box.checked = this.filter.severities.has(severity);
			box.dataset.severity = severity;
			box.addEventListener("change", () => {
				if (box.checked) this.filter.severities.add(severity);
				else this.filter.severities.delete(severity);
				this.render();
			});
			this.el("span", label, undefined, ` ${ICONS[severity]} ${counts[severity]}`);
		}
		const select = this.el("select", bar, "vaultkit-rule-filter");
		this.el("option", select, undefined, "All rules").value = "";
		for (const { rule, code } of rulesIn(problems)) this.el("option", select, undefined, `${code} ${rule}`).value = rule;
		select.value = this.filter.rule ?? "";
		select.addEventListener("change", () => {
			this.filter.rule = select.value || null;
			this.render();
		});
		const groups = group(problems, this.filter as Filter);
		if (!groups.length) {
			const empty = problems.length ? "No problems match the filter." : "No problems in this vault.";
			this.el("div", this.root, "vaultkit-empty", empty);
			return;
		}
		const list = this.el("div", this.root, "vaultkit-list");
		let rows = 0;
		const total = groups.reduce((n, g) => n + g.count, 0);
		for (const note of groups) {
			if (rows >= MAX_ROWS) {
				this.el("div", this.root, "vaultkit-empty", `… and ${total - rows} more; filter by severity or rule to see them.`);
				break;
			}
			rows += note.count;
			const details = this.el("details", list, "vaultkit-note");
			details.open = true;
			const summary = this.el("summary", details, "vaultkit-note-title");
			this.el("span", summary, "vaultkit-path", note.path);
			this.el("span", summary, "vaultkit-count", String(note.count));
			for (const rule of note.rules) {
				const head = this.el("div", details, "vaultkit-rule");
				const link = this.el("a", head, "vaultkit-code", rule.code);
				link.title = `About ${rule.rule}`;
				link.addEventListener("click", () => this.host.openRule(rule.rule));
				this.el("span", head, "vaultkit-rule-name", ` ${rule.rule}`);
				for (const problem of rule.problems) {
					const row = this.el("div", details, `vaultkit-problem vaultkit-${problem.severity}`);
					row.dataset.path = problem.path;
					row.dataset.line = String(problem.line);
					this.el("span", row, "vaultkit-icon", ICONS[problem.severity]);
					this.el("span", row, "vaultkit-where", `${problem.line}:${problem.column}`);
					this.el("span", row, "vaultkit-message", problem.message);
					if (problem.fix && problem.fix.applicability !== "display") {
						this.el("span", row, `vaultkit-fixable vaultkit-fix-${problem.fix.applicability}`, problem.fix.applicability === "safe" ? "fix" : "unsafe fix");
					}
					row.addEventListener("click", () => this.host.open(problem));
				}
			}
		}
	}

	destroy(): void {
		this.unsubscribe();
		this.root.replaceChildren();
	}
}

/** The status bar's text: counts by severity, or what keeps the plugin from showing them. */
export function statusText(counts: Record<Severity, number>, min: Severity): string {
	const parts = SEVERITIES.filter((s) => shown(s, min)).map((s) => `${ICONS[s]} ${counts[s]}`);
	return `vaultkit ${parts.join(" ")}`;
}

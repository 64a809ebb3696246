/** Obsidian-only UI: the problems side pane, the diff and rule modals, the settings tab. */

import {
	type App,
	Component,
	FuzzySuggestModal,
	ItemView,
	MarkdownRenderer,
	Modal,
	PluginSettingTab,
	Setting,
	type WorkspaceLeaf,
} from "obsidian";
import type VaultkitPlugin from "./main";
import { ProblemsPanel } from "./panel";
import type { RuleSummary, Severity } from "./types";

export const VIEW_TYPE = "vaultkit-problems";

export class ProblemsView extends ItemView {
	private panel: ProblemsPanel | null = null;

	constructor(
		leaf: WorkspaceLeaf,
		private readonly plugin: VaultkitPlugin,
	) {
		super(leaf);
	}

	getViewType(): string {
		return VIEW_TYPE;
	}

	getDisplayText(): string {
		return "vaultkit problems";
	}

	getIcon(): string {
		return "list-checks";
	}

	async onOpen(): Promise<void> {
		this.panel = new ProblemsPanel(this.contentEl, this.plugin);
	}

	async onClose(): Promise<void> {
		this.panel?.destroy();
		this.panel = null;
	}
}

/** A preview of what a fix changes; the user applies it or not. */
export class DiffModal extends Modal {
	constructor(
		app: App,
		private readonly heading: string,
		private readonly diff: string,
		private readonly onApply: () => Promise<void>,
	) {
		super(app);
	}

	onOpen(): void {
		this.titleEl.setText(this.heading);
		const pre = this.contentEl.createEl("pre", { cls: "vaultkit-diff" });
		for (const line of this.diff.split("\n")) {
			const cls = line.startsWith("+") && !line.startsWith("+++") ? "vaultkit-added" : line.startsWith("-") && !line.startsWith("---") ? "vaultkit-removed" : "";
			pre.createEl("div", { text: line, cls });
		}
		new Setting(this.contentEl)
			.addButton((b) => b.setButtonText("Cancel").onClick(() => this.close()))
			.addButton((b) =>
				b
					.setButtonText("Apply")
					.setCta()
					.onClick(async () => {
						b.setDisabled(true);
						await this.onApply();
						this.close();
					}),
			);
	}

	onClose(): void {
		this.contentEl.empty();
	}
}

/** A rule's documentation (the text of `vaultkit rule NAME`), rendered as Markdown. */
export class RuleModal extends Modal {
	private readonly component = new Component();

	constructor(
		app: App,
		private readonly markdown: string,
	) {
		super(app);
	}

	async onOpen(): Promise<void> {
		this.component.load();
		this.contentEl.addClass("vaultkit-rule-doc-modal");
		await MarkdownRenderer.render(this.app, this.markdown, this.contentEl, "", this.component);
	}

	onClose(): void {
		this.component.unload();
		this.contentEl.empty();
	}
}

export class RulePicker extends FuzzySuggestModal<RuleSummary> {
	constructor(
		app: App,
		private readonly rules: RuleSummary[],
		private readonly choose: (rule: RuleSummary) => void,
	) {
		super(app);
		this.setPlaceholder("Rule name or code");
	}

	getItems(): RuleSummary[] {
		return this.rules;
	}

	getItemText(rule: RuleSummary): string {
		return `${rule.code} ${rule.name}: ${rule.summary}${rule.active ? "" : " (off)"}`;
	}

	onChooseItem(rule: RuleSummary): void {
		this.choose(rule);
	}
}

export class SettingsTab extends PluginSettingTab {
	constructor(
		app: App,
		private readonly plugin: VaultkitPlugin,
	) {
		super(app, plugin);
	}

	display(): void {
		const { containerEl } = this;
		const settings = this.plugin.settings;
		containerEl.empty();
		new Setting(containerEl)
			.setName("Start vaultkit watch")
			.setDesc("When no daemon runs for this vault, start `vaultkit watch` (and stop it when Obsidian closes).")
			.addToggle((t) =>
				t.setValue(settings.startDaemon).onChange(async (value) => {
					settings.startDaemon = value;
					await this.plugin.saveSettings(true);
				}),
			);
		new Setting(containerEl)
			.setName("vaultkit executable")
			.setDesc("Full path of `vaultkit`. Empty: search PATH and the usual pip and pipx folders (an app started from the desktop does not see your shell's PATH).")
			.addText((t) =>
				t
					.setPlaceholder("/home/me/.local/bin/vaultkit")
					.setValue(settings.executable)
					.onChange(async (value) => {
						settings.executable = value.trim();
						await this.plugin.saveSettings(false);
					}),
			);
		new Setting(containerEl)
			.setName("Show")
			.setDesc("The lowest severity shown in the editor, the problems view and the status bar.")
			.addDropdown((d) =>
				d
					.addOptions({ error: "Errors", warning: "Errors and warnings", info: "Everything" })
					.setValue(settings.minSeverity)
					.onChange(async (value) => {
						settings.minSeverity = value as Severity;
						await this.plugin.saveSettings(false);
					}),
			);
		new Setting(containerEl)
			.setName("Unsafe quick fixes")
			.setDesc("Offer fixes that may change meaning (such as pointing a broken link at the closest name), marked as unsafe.")
			.addToggle((t) =>
				t.setValue(settings.unsafeQuickFixes).onChange(async (value) => {
					settings.unsafeQuickFixes = value;
					await this.plugin.saveSettings(false);
				}),
			);
	}
}

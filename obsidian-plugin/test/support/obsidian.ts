/**
 * A small stand-in for the `obsidian` module (the app itself cannot be installed here): just
 * enough of the API the plugin calls for its start-up, commands, status bar and notices to run
 * under Node.  Tests read what the plugin did from the recorded fields.
 */

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { StateField } from "@codemirror/state";

/** Obsidian's state field naming the note an editor shows (a real StateField in the app). */
export const editorInfoField = StateField.define<null>({ create: () => null, update: (value) => value });

export const Platform = { isDesktop: true, isDesktopApp: true, isMobile: false };

export const notices: string[] = [];

export class Notice {
	constructor(message: string) {
		notices.push(message);
	}
}

/** An element that records what the plugin puts into it. */
export class FakeElement {
	text = "";
	classes = new Set<string>();
	attributes: Record<string, string> = {};
	listeners: Record<string, () => void> = {};
	setText(text: string) {
		this.text = text;
	}
	addClass(...names: string[]) {
		for (const name of names) this.classes.add(name);
	}
	setAttr(name: string, value: string) {
		this.attributes[name] = value;
	}
	addEventListener(name: string, listener: () => void) {
		this.listeners[name] = listener;
	}
}

export class Component {
	private cleanups: (() => void)[] = [];
	load() {}
	unload() {
		for (const cleanup of this.cleanups.splice(0)) cleanup();
	}
	register(cleanup: () => void) {
		this.cleanups.push(cleanup);
	}
	registerEvent(_ref: unknown) {}
}

export interface FakeApp {
	vault: {
		adapter: { exists(path: string): Promise<boolean>; read(path: string): Promise<string> };
		on(name: string, callback: (...args: unknown[]) => void): unknown;
		getFileByPath(path: string): TFile | null;
	};
	workspace: {
		onLayoutReady(callback: () => void): void;
		getLeavesOfType(type: string): unknown[];
	};
}

/** An app whose vault holds `files` (vault-relative path to text), or is the folder `files`. */
export function fakeApp(files: Record<string, string> | string): FakeApp {
	return {
		vault: {
			adapter:
				typeof files === "string"
					? new FileSystemAdapter(files)
					: {
							exists: async (path) => path in files,
							read: async (path) => {
								if (!(path in files)) throw new Error(`ENOENT: ${path}`);
								return files[path];
							},
						},
			on: () => ({}),
			getFileByPath: () => null,
		},
		workspace: { onLayoutReady: (callback) => callback(), getLeavesOfType: () => [] },
	};
}

export class Plugin extends Component {
	data: unknown = null;
	commands: { id: string; name: string }[] = [];
	views: string[] = [];
	editorExtensions: unknown[] = [];
	statusBarItems: FakeElement[] = [];
	settingTabs: unknown[] = [];
	constructor(
		public app: FakeApp,
		public manifest: unknown = {},
	) {
		super();
	}
	async loadData() {
		return this.data;
	}
	async saveData(data: unknown) {
		this.data = JSON.parse(JSON.stringify(data));
	}
	registerView(type: string) {
		this.views.push(type);
	}
	registerEditorExtension(extension: unknown) {
		this.editorExtensions.push(extension);
	}
	addStatusBarItem() {
		const item = new FakeElement();
		this.statusBarItems.push(item);
		return item;
	}
	addSettingTab(tab: unknown) {
		this.settingTabs.push(tab);
	}
	addCommand(command: { id: string; name: string }) {
		this.commands.push(command);
		return command;
	}
}

export class PluginSettingTab {
	containerEl = new FakeElement();
	constructor(
		public app: unknown,
		public plugin: unknown,
	) {}
}

export class Modal {
	constructor(public app: unknown) {}
	open() {}
	close() {}
}

export class FuzzySuggestModal<T> extends Modal {
	setPlaceholder(_text: string) {}
	chosen?: T;
}

export class ItemView {
	contentEl = new FakeElement();
	constructor(public leaf: unknown) {}
}

export class Setting {
	constructor(public containerEl: unknown) {}
}

export class MarkdownView {}
/** A vault on the disk, at `base`. */
export class FileSystemAdapter {
	constructor(private readonly base = "/") {}
	getBasePath() {
		return this.base;
	}
	async exists(path: string) {
		return existsSync(join(this.base, path));
	}
	async read(path: string) {
		return readFile(join(this.base, path), "utf8");
	}
}
export class TAbstractFile {
	path = "";
}
export class TFile extends TAbstractFile {
	extension = "md";
}
export const MarkdownRenderer = { render: async () => undefined };

import { afterEach, describe, expect, it, vi } from "vitest";
import VaultkitPlugin from "../../src/main";
import { type FakeElement, fakeApp, notices } from "../support/obsidian";
import { problem } from "../support/problems";

type Loaded = VaultkitPlugin & { commands: { id: string }[]; views: string[]; editorExtensions: unknown[]; statusBarItems: FakeElement[]; data: unknown };

async function load(files: Record<string, string>, data: unknown): Promise<Loaded> {
	const plugin = new VaultkitPlugin(fakeApp(files) as unknown as never, {} as never) as Loaded;
	plugin.data = data;
	await plugin.onload();
	return plugin;
}

const until = async (predicate: () => boolean) => {
	for (let i = 0; i < 200 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
	expect(predicate()).toBe(true);
};

let loaded: Loaded | null = null;
afterEach(async () => {
	await loaded?.onunload();
	loaded = null;
	notices.length = 0;
	vi.unstubAllGlobals();
});

describe("the plugin in a stand-in Obsidian", () => {
	it("loads its settings, registers its view, editor extension and commands", async () => {
		loaded = await load({}, { startDaemon: false, minSeverity: "bogus" });
		expect(loaded.settings.startDaemon).toBe(false);
		expect(loaded.settings.minSeverity).toBe("info");
		expect(loaded.views).toEqual(["vaultkit-problems"]);
		expect(loaded.editorExtensions).toHaveLength(1);
		expect(loaded.commands.map((c) => c.id)).toEqual(["open-problems", "fix-note", "fix-vault", "recheck", "rule-doc"]);
	});

	it("shows the vault's counts in the status bar, following the severity setting", async () => {
		loaded = await load({}, { startDaemon: false });
		const bar = loaded.statusBarItems[0];
		await until(() => bar.text.includes("offline"));
		loaded.store.replaceAll([problem("A.md", "VK104", "property-type", 1, "error"), problem("A.md", "VK201", "broken-wikilink", 2), problem("B.md", "VK201", "broken-wikilink", 2, "info")], 3);
		expect(bar.text).toBe("vaultkit ✖ 1 ▲ 1 ℹ 1 (offline)");
		loaded.settings.minSeverity = "warning";
		await loaded.saveSettings(false);
		expect(bar.text).toBe("vaultkit ✖ 1 ▲ 1 (offline)");
		expect(loaded.data).toMatchObject({ minSeverity: "warning" });
		// no daemon and not allowed to start one: the status bar says so, without a pop-up
		expect(bar.attributes["aria-label"]).toMatch(/run `vaultkit watch` in the vault/);
		expect(notices).toEqual([]);
	});

	it("tells the user, once, that the running vaultkit is too old", async () => {
		const files = { ".vaultkit/watch.json": '{"pid": 1, "url": "http://127.0.0.1:9"}', ".vaultkit/watch-token": "t" };
		vi.stubGlobal("fetch", async (url: string) =>
			url.endsWith("/v1/health") ? new Response('{"ok": true}') : new Response(JSON.stringify({ version: "0.0.5", ready: true, generation: 0 })),
		);
		loaded = await load(files, {});
		await until(() => notices.length > 0);
		expect(notices).toEqual([expect.stringMatching(/vaultkit 0.0.5 is too old for this plugin/)]);
		expect(loaded.statusBarItems[0].text).toBe("vaultkit: incompatible");
	});
});

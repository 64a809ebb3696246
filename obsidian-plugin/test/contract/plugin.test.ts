/** The plugin itself (in the stand-in Obsidian) starting the vault's daemon, showing its
 * problems, and stopping it on unload: the real `vaultkit watch` of this checkout. */

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import VaultkitPlugin from "../../src/main";
import { VAULTKIT, until } from "../support/daemon";
import { type FakeElement, fakeApp, notices } from "../support/obsidian";

type Loaded = VaultkitPlugin & { statusBarItems: FakeElement[]; data: unknown };
let plugin: Loaded | null = null;
let root = "";

afterEach(async () => {
	await plugin?.onunload();
	plugin = null;
	notices.length = 0;
	if (root) await rm(root, { recursive: true, force: true });
});

async function load(data: unknown, files: Record<string, string> = {}): Promise<Loaded> {
	root = await mkdtemp(join(tmpdir(), "vaultkit-plugin-start-"));
	await mkdir(join(root, ".obsidian"));
	for (const [path, text] of Object.entries({ "A.md": "See [[Nowhere]].\n", ...files })) await writeFile(join(root, path), text);
	plugin = new VaultkitPlugin(fakeApp(root) as never, {} as never) as Loaded;
	plugin.data = data;
	await plugin.onload();
	return plugin;
}

describe("the plugin and its daemon", () => {
	it("starts vaultkit watch when none runs, shows its problems, and stops it on unload", async () => {
		const loaded = await load({ executable: VAULTKIT });
		await until("the vault's problems", () => loaded.store.problemsOf("A.md").length > 0, 30_000);
		expect(loaded.store.problemsOf("A.md").map((p) => p.code)).toEqual(["VK201"]);
		expect(loaded.statusBarItems[0].text).toBe("vaultkit ✖ 0 ▲ 1 ℹ 0");
		const discovery = join(root, ".vaultkit", "watch.json");
		expect(existsSync(discovery)).toBe(true);
		await loaded.onunload();
		plugin = null;
		await until("the daemon to stop cleanly", () => !existsSync(discovery), 20_000);
		expect(notices).toEqual([]);
	});

	it("says so when the configured vaultkit is not there", async () => {
		await load({ executable: "/nonexistent/bin/vaultkit" });
		await until("a notice", () => notices.length > 0);
		expect(notices[0]).toMatch(/\/nonexistent\/bin\/vaultkit is not an executable file/);
	});

	it("shows why vaultkit watch failed to start", async () => {
		await load({ executable: VAULTKIT }, { ".vaultkit.toml": "selekt = []\n" });
		await until("a notice", () => notices.length > 0, 30_000);
		expect(notices[0]).toMatch(/^vaultkit: vaultkit watch stopped \(exit status 2\): .*selekt/s);
	});
});

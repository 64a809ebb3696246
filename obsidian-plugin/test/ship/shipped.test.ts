/**
 * What ships is built from these sources: `vaultkit obsidian install` copies the files in
 * vaultkit/data/obsidian-plugin/, so they must equal a fresh build, byte for byte (esbuild's
 * output is deterministic for one version, which the lockfile pins).  After changing the
 * plugin, `npm run ship` rebuilds and copies them.
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PLUGIN = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SHIPPED = resolve(PLUGIN, "../vaultkit/data/obsidian-plugin");
const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("the plugin vaultkit ships", () => {
	it("is exactly what the sources build to", () => {
		execFileSync(process.execPath, ["esbuild.config.mjs", "production"], { cwd: PLUGIN, stdio: "pipe" });
		for (const name of ["main.js", "manifest.json", "styles.css"]) {
			const built = readFileSync(join(PLUGIN, name));
			const shipped = readFileSync(join(SHIPPED, name));
			expect(built.equals(shipped), `vaultkit/data/obsidian-plugin/${name} is stale: run \`npm run ship\``).toBe(true);
		}
	});

	it("is small, and leaves Obsidian, CodeMirror and Node to the app", () => {
		const main = readFileSync(join(SHIPPED, "main.js"), "utf8");
		expect(main.length).toBeLessThan(200 * 1024);
		for (const external of ["obsidian", "@codemirror/lint", "@codemirror/state", "@codemirror/view"]) expect(main).toContain(`require("${external}")`);
		// Node's built-ins are required lazily (only the desktop reaches that code), never imported as ES modules
		expect(main).not.toMatch(/\bimport\(/);
		expect(main).toMatch(/Promise\.resolve\(\)\.then\(\(\)=>\w+\(require\("child_process"\)/);
		// CodeMirror itself is not bundled: none of its own strings are in the bundle
		expect(main).not.toContain("cm-lintRange");
		expect(main).not.toContain("Ranges must be added sorted");
	});

	it("has a manifest and versions.json fit for the community plugin list", () => {
		const manifest = json(join(PLUGIN, "manifest.json"));
		for (const key of ["id", "name", "version", "minAppVersion", "description", "author"]) expect(typeof manifest[key], key).toBe("string");
		expect(manifest.id).toMatch(/^[a-z0-9-]+$/);
		expect(manifest.id).not.toContain("obsidian");
		expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
		expect(manifest.isDesktopOnly).toBe(true);
		expect(manifest.description.length).toBeLessThanOrEqual(250);
		expect(json(join(PLUGIN, "versions.json"))[manifest.version]).toBe(manifest.minAppVersion);
		expect(json(join(PLUGIN, "package.json")).version).toBe(manifest.version);
	});
});

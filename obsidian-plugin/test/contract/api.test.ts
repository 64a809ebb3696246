/** The plugin's API client against a real `vaultkit watch` (see test/support/daemon.ts). */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, VaultkitClient } from "../../src/client";
import { Connection } from "../../src/connection";
import { ProblemStore } from "../../src/store";
import { API_VERSION, incompatibility } from "../../src/version";
import { type RunningVault, runVault, until } from "../support/daemon";

const NOTE = "---\nrelated: [[Target]]\n---\n# 笔记 🎉\n\n中文 😀 [[Nowhere]] and [[Target]].\n";
let vault: RunningVault;

beforeAll(async () => {
	vault = await runVault({ "Notes/A.md": NOTE, "Target.md": "# Target\n", "B.md": "fine\n" });
});
afterAll(async () => {
	await vault?.stop();
});

describe("vaultkit watch, through the plugin's client", () => {
	it("names its version and API version, and says it is ready", async () => {
		const status = await vault.client.status();
		expect(status.api).toBe(API_VERSION);
		expect(status.version).toMatch(/^\d+\.\d+/);
		expect(incompatibility(status)).toBeNull();
		expect(vault.client.ready).toBe(true);
	});

	it("serves the problems of the vault and of one note", async () => {
		const all = await vault.client.diagnostics();
		expect(all.ready).toBe(true);
		expect(all.problems.map((p) => [p.path, p.code])).toEqual([
			["Notes/A.md", "VK104"],
			["Notes/A.md", "VK201"],
		]);
		const one = await vault.client.diagnostics("Notes/A.md");
		expect(one.path).toBe("Notes/A.md");
		const link = one.problems.find((p) => p.code === "VK201");
		// columns are code points: the line is "中文 😀 [[Nowhere]] …", the link starts at the 6th
		expect([link?.line, link?.column, link?.end_column]).toEqual([6, 6, 17]);
		await expect(vault.client.diagnostics("Nope.md")).rejects.toMatchObject({ status: 404, code: "not_found" });
		await expect(vault.client.diagnostics("../etc/passwd")).rejects.toMatchObject({ status: 400, code: "bad_path" });
	});

	it("streams an edit made on disk to the store", async () => {
		const store = new ProblemStore();
		const connection = new Connection({ discover: async () => vault.client, store, onState: () => undefined });
		void connection.start();
		try {
			await until("the first snapshot", () => store.synced);
			expect(store.problemsOf("B.md")).toEqual([]);
			await vault.write("B.md", "fine\n[Fetching Title#ab12](https://example.com)\n");
			const streamed = await until("the edit's diagnostics", () => store.problemsOf("B.md").length > 0 && store.problemsOf("B.md"));
			expect(streamed.map((p) => [p.code, p.line])).toEqual([["VK105", 2]]);
			await vault.write("B.md", "fine\n");
			await until("the problem to clear", () => store.problemsOf("B.md").length === 0);
		} finally {
			await connection.stop();
		}
	});

	it("previews a fix as a diff, applies it, and fixes one problem alone", async () => {
		const preview = await vault.client.fix({ path: "Notes/A.md" });
		expect(preview.changed && !preview.applied).toBe(true);
		expect(preview.diff).toContain('+related: "[[Target]]"');
		expect(await vault.read("Notes/A.md")).toBe(NOTE);
		const link = (await vault.client.diagnostics("Notes/A.md")).problems.find((p) => p.code === "VK104");
		const done = await vault.client.fix({ path: "Notes/A.md", apply: true, problem: { code: "VK104", line: link!.line, column: link!.column } });
		expect(done.applied).toBe(true);
		expect(await vault.read("Notes/A.md")).toBe(done.text);
		expect(done.text).toBe(NOTE.replace("related: [[Target]]", 'related: "[[Target]]"'));
		await until("the fixed note's diagnostics", async () => (await vault.client.diagnostics("Notes/A.md")).problems.every((p) => p.code !== "VK104"));
	});

	it("serves a rule's documentation and the rule list", async () => {
		const doc = await vault.client.rule("VK201");
		expect(doc.name).toBe("broken-wikilink");
		expect(doc.documentation).toMatch(/^# broken-wikilink \(VK201\)/);
		const rules = await vault.client.rules();
		expect(rules.find((r) => r.code === "VK201")?.active).toBe(true);
		await expect(vault.client.rule("no-such-rule")).rejects.toMatchObject({ status: 404 });
	});

	it("refuses a wrong token on every endpoint, the stream included", async () => {
		const wrong = new VaultkitClient(vault.client.url, "not-the-token");
		for (const call of [() => wrong.status(), () => wrong.diagnostics(), () => wrong.fix({ path: "B.md", apply: true }), () => wrong.rule("VK201")]) {
			const error = await call().then(() => null, (e: unknown) => e);
			expect(error).toBeInstanceOf(ApiError);
			expect(error).toMatchObject({ status: 401, code: "unauthorized" });
		}
		await expect(wrong.events(() => undefined, new AbortController().signal)).rejects.toMatchObject({ status: 401 });
	});

	it("re-checks the vault on request", async () => {
		const before = (await vault.client.status()).generation;
		expect((await vault.client.recheck()).queued).toBe(true);
		await until("a new generation", async () => (await vault.client.status()).generation > before);
	});
});

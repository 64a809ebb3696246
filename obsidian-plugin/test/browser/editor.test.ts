/**
 * The editor part in a real browser: the plugin's CodeMirror extension and problems view, bundled
 * with the real @codemirror packages into a test page, run in Debian's headless Chromium against
 * a real `vaultkit watch`.  A small proxy serves the page and forwards /v1/* to the daemon with
 * Obsidian's origin, as the app's requests carry it.
 */

import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import esbuild from "esbuild";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Problem } from "../../src/types";
import { type RunningVault, runVault, until } from "../support/daemon";

const HERE = dirname(fileURLToPath(import.meta.url));
const PLUGIN = resolve(HERE, "../..");
const ARTIFACTS = join(PLUGIN, "test-artifacts");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PATH = "Notes/日记.md";
const NOTE = "---\nrelated: [[Target]]\n---\n# 笔记 🎉 Notes\n\n中文 😀👍 see [[Nowhere]] and [[Target]].\n𝑥 math-italic 🚀 [[另一个]] end\n";

let vault: RunningVault;
let server: Server;
let context: BrowserContext;
let page: Page;
let profile: string;

/** The text a problem covers, cut by code points as the daemon counts them. */
function covered(text: string, p: Problem): string {
	const lines = text.split("\n");
	if (p.line !== p.end_line) return "";
	return [...lines[p.line - 1]].slice(p.column - 1, p.end_column - 1).join("");
}

async function serve(target: string): Promise<string> {
	const bundle = await esbuild.build({ entryPoints: [join(HERE, "page.ts")], bundle: true, format: "iife", target: "es2020", write: false, logLevel: "silent" });
	const files: Record<string, [string, string | Uint8Array]> = {
		"/": ["text/html; charset=utf-8", await readFile(join(HERE, "page.html"))],
		"/page.js": ["text/javascript; charset=utf-8", bundle.outputFiles[0].contents],
		"/styles.css": ["text/css; charset=utf-8", await readFile(join(PLUGIN, "styles.css"))],
	};
	const daemon = new URL(target);
	server = createServer((req, res) => {
		if (req.url?.startsWith("/v1/")) {
			const headers = { ...req.headers, host: daemon.host, origin: "app://obsidian.md" };
			const forward = request({ host: daemon.hostname, port: daemon.port, path: req.url, method: req.method, headers }, (answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			});
			forward.on("error", () => res.destroy());
			req.pipe(forward);
			return;
		}
		const file = files[req.url ?? ""];
		if (!file) return void res.writeHead(404).end();
		res.writeHead(200, { "Content-Type": file[0] }).end(file[1]);
	});
	await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

beforeAll(async () => {
	vault = await runVault({ [PATH]: NOTE, "Target.md": "# Target\n" });
	const url = await serve(vault.client.url);
	profile = await mkdtemp(join(tmpdir(), "vaultkit-chromium-"));
	context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport: { width: 1100, height: 460 },
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
	page = context.pages()[0] ?? (await context.newPage());
	page.on("pageerror", (error) => console.error("page error:", error));
	await page.goto(url);
	const token = (await vault.read(".vaultkit/watch-token")).trim();
	await page.evaluate(([t, p, text]) => window.vaultkitTest.start(t, p, text), [token, PATH, NOTE]);
});

afterAll(async () => {
	await context?.close();
	server?.close();
	await vault?.stop();
	if (profile) await rm(profile, { recursive: true, force: true });
});

const marks = () => page.evaluate(() => window.vaultkitTest.marks());
const shownMarks = () => page.$$eval(".cm-lintRange", (nodes) => nodes.map((n) => n.textContent));

describe("the editor extension in Chromium", () => {
	it("puts the daemon's problems at the right ranges in a note with CJK text and emoji", async () => {
		const problems = (await vault.client.diagnostics(PATH)).problems;
		expect(problems.map((p) => p.code).sort()).toEqual(["VK104", "VK201", "VK201"]);
		await until("the marks", async () => (await marks()).length === problems.length);
		const found = await marks();
		for (const p of problems) {
			const expected = covered(NOTE, p);
			expect(expected.length).toBeGreaterThan(0);
			expect(found.find((m) => m.source === `${p.code} ${p.rule}` && m.text === expected), `${p.code} on "${expected}"`).toBeTruthy();
		}
		expect(found.map((m) => m.text)).toEqual(expect.arrayContaining(["[[Nowhere]]", "[[另一个]]"]));
		// and they are drawn there: the underlined spans hold exactly that text
		expect(await shownMarks()).toEqual(expect.arrayContaining(["[[Nowhere]]", "[[另一个]]"]));
		await until("the problems view", async () => (await page.$$(".vaultkit-problem")).length === problems.length);
		expect(await page.textContent("#status")).toBe("vaultkit ✖ 0 ▲ 3 ℹ 0");
	});

	it("applies a quick fix from the mark's tooltip to the document and the file", async () => {
		const problem = (await vault.client.diagnostics(PATH)).problems.find((p) => p.code === "VK104")!;
		const mark = page.locator(".cm-lintRange", { hasText: covered(NOTE, problem) }).first();
		await mark.hover();
		const action = page.locator(".cm-tooltip-lint .cm-diagnosticAction", { hasText: problem.fix!.title });
		await action.click();
		const fixed = NOTE.replace("related: [[Target]]", 'related: "[[Target]]"');
		await until("the document to change", async () => (await page.evaluate(() => window.vaultkitTest.doc())) === fixed);
		expect(await vault.read(PATH)).toBe(fixed);
		await until("the fixed problem's mark to go", async () => (await marks()).every((m) => !m.source.startsWith("VK104")));
		expect((await marks()).map((m) => m.text).sort()).toEqual(["[[Nowhere]]", "[[另一个]]"]);
	});

	it("follows a change on disk: new marks at the new ranges", async () => {
		const before = await vault.read(PATH);
		const changed = before.replace("# 笔记 🎉 Notes\n", "# 笔记 🎉 Notes\n🌏🌏 新しい [[Targt]] 行\n").replace("[[Nowhere]]", "[[Target]]");
		await vault.write(PATH, changed);
		await page.evaluate((text) => window.vaultkitTest.reload(text), changed); // what Obsidian does with the editor
		await until("the marks of the new text", async () => {
			const texts = (await marks()).map((m) => m.text).sort();
			return texts.join("|") === ["[[Targt]]", "[[另一个]]"].join("|");
		});
		const problems = (await vault.client.diagnostics(PATH)).problems;
		const found = await marks();
		for (const p of problems) expect(found.some((m) => m.text === covered(changed, p))).toBe(true);
		expect(await shownMarks()).toEqual(expect.arrayContaining(["[[Targt]]", "[[另一个]]"]));
	});

	it("lists the problems by note and rule, filters them, and opens one at its line", async () => {
		await until("the view to show two problems", async () => (await page.$$(".vaultkit-problem")).length === 2);
		expect(await page.textContent(".vaultkit-path")).toBe(PATH);
		expect(await page.$$eval(".vaultkit-rule", (nodes) => nodes.map((n) => n.textContent))).toEqual(["VK201 broken-wikilink"]);
		await page.click('input[data-severity="warning"]');
		expect(await page.textContent(".vaultkit-empty")).toBe("No problems match the filter.");
		await page.click('input[data-severity="warning"]');
		await page.locator(".vaultkit-problem", { hasText: "另一个" }).click();
		const log = await page.evaluate(() => window.vaultkitTest.log);
		expect(log).toContain(`opened ${PATH}:8`);
		await page.click(".vaultkit-code");
		await until("the rule's documentation", async () => (await page.textContent("#rule"))?.startsWith("# broken-wikilink (VK201)"));
		// the picture for people: a mark's tooltip over the editor, the problems view beside it
		await page.locator(".cm-lintRange", { hasText: "[[Targt]]" }).first().hover();
		await page.waitForSelector(".cm-tooltip-lint");
		await mkdir(ARTIFACTS, { recursive: true });
		await page.screenshot({ path: join(ARTIFACTS, "editor.png") });
	});
});

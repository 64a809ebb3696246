/** A real `vaultkit watch` on a temporary vault, started through the plugin's own code
 * (`startWatch`, `discover`), and reaped when the test ends. */

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { VaultkitClient } from "../../src/client";
import { DISCOVERY, discover, parseDiscovery, type Started, startWatch } from "../../src/daemon";

/** The vaultkit of this checkout (`.ci/run` installs it into ../.venv), or $VAULTKIT. */
export const VAULTKIT = process.env.VAULTKIT ?? resolve(dirname(fileURLToPath(import.meta.url)), "../../../.venv/bin/vaultkit");

export interface RunningVault {
	root: string;
	client: VaultkitClient;
	started: Started;
	write(path: string, text: string): Promise<void>;
	read(path: string): Promise<string>;
	stop(): Promise<void>;
}

type Falsy = false | null | undefined | 0 | "";

/** Poll `probe` until it returns something truthy, and return that. */
export async function until<T>(what: string, probe: () => T | Falsy | Promise<T | Falsy>, timeout = 20_000): Promise<T> {
	const deadline = Date.now() + timeout;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

export async function runVault(files: Record<string, string>): Promise<RunningVault> {
	if (!existsSync(VAULTKIT)) throw new Error(`${VAULTKIT} does not exist: install vaultkit into ../.venv first (see .ci/run)`);
	const root = await mkdtemp(join(tmpdir(), "vaultkit-plugin-"));
	const write = async (path: string, text: string) => {
		await mkdir(dirname(join(root, path)), { recursive: true });
		await writeFile(join(root, path), text);
	};
	await mkdir(join(root, ".obsidian"));
	for (const [path, text] of Object.entries(files)) await write(path, text);
	let exited: () => void = () => undefined;
	const gone = new Promise<void>((resolve) => {
		exited = resolve;
	});
	const started = await startWatch(VAULTKIT, root, () => exited());
	const stop = async () => {
		started.stop();
		await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 15_000))]);
		await rm(root, { recursive: true, force: true });
	};
	try {
		const readVault = async (path: string) => readFile(join(root, path), "utf8").catch(() => null);
		const client = await until("the daemon to publish its address", async () => {
			if (!started.running()) throw new Error(`vaultkit watch exited: ${started.errors()}`);
			const info = parseDiscovery(await readVault(DISCOVERY));
			const found = info?.pid === started.pid ? await discover(readVault) : null;
			return typeof found === "object" ? found : null;
		});
		await until("the first check", async () => (await client.status()).ready);
		return { root, client, started, write, read: (path) => readFile(join(root, path), "utf8"), stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

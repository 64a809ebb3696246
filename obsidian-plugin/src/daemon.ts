/**
 * Finding the vault's daemon, and starting one when none runs.
 *
 * `vaultkit watch` publishes where it listens in `.vaultkit/watch.json` and its bearer token in
 * `.vaultkit/watch-token`.  Node's built-ins are imported dynamically, only on the desktop (the
 * plugin is `isDesktopOnly`, and Obsidian's review rules ask for exactly this).  An app started
 * from a desktop does not inherit the shell's PATH, so besides PATH the usual per-user install
 * folders of pip and pipx are searched.
 */

import { type Fetch, VaultkitClient } from "./client";

export const DISCOVERY = ".vaultkit/watch.json";
export const TOKEN = ".vaultkit/watch-token";

export interface DiscoveryInfo {
	url: string;
	pid: number;
	version: string;
}

/** The discovery file's content, or null when it is missing or not what the daemon writes. */
export function parseDiscovery(text: string | null): DiscoveryInfo | null {
	if (!text) return null;
	try {
		const data = JSON.parse(text) as Partial<DiscoveryInfo>;
		if (typeof data.url !== "string" || !/^http:\/\/127\.0\.0\.1:\d+$/.test(data.url) || typeof data.pid !== "number")
			return null;
		return { url: data.url, pid: data.pid, version: String(data.version ?? "") };
	} catch {
		return null;
	}
}

/** A client of the daemon that runs for this vault, or why there is none.  `read` reads a
 * vault-relative file (null when it does not exist). */
export async function discover(
	read: (path: string) => Promise<string | null>,
	fetcher: Fetch = (...args) => fetch(...args),
): Promise<VaultkitClient | string> {
	const info = parseDiscovery(await read(DISCOVERY));
	if (!info) return "no `vaultkit watch` runs for this vault";
	const token = (await read(TOKEN))?.trim();
	if (!token) return `${TOKEN} is missing or empty`;
	try {
		const health = await fetcher(`${info.url}/v1/health`);
		if (!health.ok) return `the daemon at ${info.url} answered ${health.status}`;
	} catch {
		return `the daemon in ${DISCOVERY} (pid ${info.pid}) does not answer; it may have stopped`;
	}
	return new VaultkitClient(info.url, token, fetcher);
}

/** Where to look for the `vaultkit` executable, in order. */
export function candidates(
	configured: string,
	env: Record<string, string | undefined>,
	platform: string,
): string[] {
	if (configured) return [configured];
	const windows = platform === "win32";
	const sep = windows ? "\\" : "/";
	const home = env.HOME ?? env.USERPROFILE ?? "";
	const dirs = (env.PATH ?? env.Path ?? "").split(windows ? ";" : ":").filter(Boolean);
	if (home) dirs.push(`${home}${sep}.local${sep}bin`); // pip --user and pipx
	if (windows) {
		if (env.APPDATA) dirs.push(`${env.APPDATA}\\Python\\Scripts`);
	} else {
		dirs.push("/usr/local/bin", "/opt/homebrew/bin", "/usr/bin");
		if (home) dirs.push(`${home}/.pyenv/shims`);
	}
	const name = windows ? "vaultkit.exe" : "vaultkit";
	return [...new Set(dirs.map((dir) => `${dir.replace(/[\\/]+$/, "")}${sep}${name}`))];
}

/** The first candidate that is an executable file, or null. */
export async function findExecutable(configured: string): Promise<string | null> {
	const { access, constants } = await import("fs/promises");
	for (const path of candidates(configured, process.env, process.platform)) {
		try {
			await access(path, constants.X_OK);
			return path;
		} catch {
			// not here: try the next place
		}
	}
	return null;
}

/** A `vaultkit watch` this plugin started. */
export interface Started {
	pid: number;
	/** Whether it is still running. */
	running(): boolean;
	/** Its exit status once it ended (null while it runs or when a signal ended it). */
	exitCode(): number | null;
	/** The end of what it printed on stderr (why it failed to start, usually). */
	errors(): string;
	stop(): void;
}

export async function startWatch(executable: string, vault: string, onExit: () => void = () => undefined): Promise<Started> {
	const { spawn } = await import("child_process");
	const child = spawn(executable, ["watch", vault, "--quiet"], { stdio: ["ignore", "ignore", "pipe"], windowsHide: true });
	let stderr = "";
	let running = true;
	child.stderr?.setEncoding("utf8");
	child.stderr?.on("data", (chunk: string) => {
		stderr = (stderr + chunk).slice(-2000);
	});
	await new Promise<void>((resolve, reject) => {
		child.once("spawn", resolve);
		child.once("error", reject);
	});
	child.once("exit", () => {
		running = false;
		onExit();
	});
	return {
		pid: child.pid ?? -1,
		running: () => running,
		exitCode: () => child.exitCode,
		errors: () => stderr.trim(),
		stop: () => {
			if (running) child.kill("SIGTERM");
		},
	};
}

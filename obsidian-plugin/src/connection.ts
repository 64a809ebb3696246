/**
 * Keeping the store in sync with the daemon: find it, check its version, subscribe to its event
 * stream, read a full snapshot, then apply the stream's changes; after any gap (the daemon
 * restarted, the laptop slept, the stream broke) reconnect with back-off and read a fresh
 * snapshot, since changes may have been missed.
 */

import { Backoff } from "./backoff";
import { ApiError } from "./client";
import type { ProblemStore } from "./store";
import type { Diagnostics, Problem, Status, StreamEvent } from "./types";
import { incompatibility } from "./version";

/** What the connection needs of {@link VaultkitClient} (a stand-in in unit tests). */
export interface ClientLike {
	status(): Promise<Status>;
	diagnostics(): Promise<Diagnostics>;
	events(onEvent: (event: StreamEvent) => void | Promise<void>, signal: AbortSignal): Promise<void>;
}

export type ConnectionState =
	| { kind: "connecting" }
	| { kind: "checking" }
	| { kind: "connected"; version: string }
	| { kind: "offline"; reason: string; retryIn: number }
	| { kind: "incompatible"; reason: string };

export interface ConnectionOptions<C extends ClientLike> {
	/** A client for the vault's running daemon (read afresh each time: a restarted daemon may
	 * have another port), or a reason why there is none. */
	discover: (signal: AbortSignal) => Promise<C | string>;
	store: ProblemStore;
	onState: (state: ConnectionState) => void;
	backoff?: Backoff;
	sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal.addEventListener("abort", () => {
			clearTimeout(timer);
			resolve();
		});
	});
}

export class Connection<C extends ClientLike> {
	/** The client of the daemon currently connected, if any. */
	client: C | null = null;
	state: ConnectionState = { kind: "connecting" };
	private readonly abort = new AbortController();
	private readonly backoff: Backoff;
	private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
	private running: Promise<void> | null = null;
	private version = "";

	constructor(private readonly options: ConnectionOptions<C>) {
		this.backoff = options.backoff ?? new Backoff();
		this.sleep = options.sleep ?? sleep;
	}

	start(): Promise<void> {
		this.running ??= this.loop();
		return this.running;
	}

	async stop(): Promise<void> {
		this.abort.abort();
		await this.running;
	}

	private set(state: ConnectionState): void {
		this.state = state;
		this.options.onState(state);
	}

	private async loop(): Promise<void> {
		const signal = this.abort.signal;
		while (!signal.aborted) {
			this.set({ kind: "connecting" });
			let reason: string;
			try {
				const found = await this.options.discover(signal);
				if (typeof found === "string") {
					reason = found;
				} else {
					const status = await found.status();
					const why = incompatibility(status);
					if (why) {
						this.set({ kind: "incompatible", reason: why });
						return;
					}
					this.client = found;
					await found.events((event) => this.handle(found, event), signal);
					reason = "the daemon closed the event stream";
				}
			} catch (error) {
				if (error instanceof IncompatibleDaemon) {
					this.set({ kind: "incompatible", reason: error.message });
					return;
				}
				reason =
					error instanceof ApiError && error.status === 401
						? "the daemon refused the token in .vaultkit/watch-token"
						: `cannot reach the daemon (${error instanceof Error ? error.message : String(error)})`;
			}
			this.client = null;
			if (signal.aborted) return;
			const delay = this.backoff.next();
			this.set({ kind: "offline", reason, retryIn: delay });
			await this.sleep(delay, signal);
		}
	}

	/** Read the whole vault's problems again (on connecting, on `ready`, on `resync`). */
	async resync(client: ClientLike | null = this.client): Promise<void> {
		if (!client) return;
		try {
			const snapshot = await client.diagnostics();
			this.options.store.replaceAll(snapshot.problems, snapshot.generation);
		} catch (error) {
			if (error instanceof ApiError && error.code === "starting") return; // a `ready` event follows
			throw error;
		}
	}

	private async handle(client: C, event: StreamEvent): Promise<void> {
		const data = event.data;
		const store = this.options.store;
		const fresh = typeof data.generation === "number" && data.generation > store.snapshot;
		switch (event.name) {
			case "hello": {
				const why = incompatibility({ version: String(data.version ?? "?"), api: data.api as number | undefined });
				if (why) throw new IncompatibleDaemon(why);
				this.backoff.reset();
				this.version = String(data.version);
				this.set(data.ready ? { kind: "connected", version: this.version } : { kind: "checking" });
				await this.resync(client); // always: after a gap the stream cannot say what was missed
				break;
			}
			case "ready":
				this.set({ kind: "connected", version: this.version });
				await this.resync(client);
				break;
			case "resync":
				await this.resync(client);
				break;
			case "diagnostics":
				if (fresh) store.setNote(String(data.path), data.problems as Problem[]);
				break;
			case "removed":
				if (fresh) store.remove(String(data.path));
				break;
			case "renamed":
				if (fresh) store.rename(String(data.from), String(data.to));
				break;
		}
	}
}

class IncompatibleDaemon extends Error {}

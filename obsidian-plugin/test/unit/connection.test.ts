import { describe, expect, it } from "vitest";
import { Backoff } from "../../src/backoff";
import { ApiError } from "../../src/client";
import { type ClientLike, Connection, type ConnectionState } from "../../src/connection";
import { ProblemStore } from "../../src/store";
import type { Diagnostics, Status, StreamEvent } from "../../src/types";
import { problem } from "../support/problems";

const STATUS: Status = { vault: "/v", version: "0.1.0", api: 1, ready: true, error: null, generation: 0, notes: 1, problems: 0 };

/** A daemon as the connection sees it: a status, a snapshot, and a stream that plays the given
 * events and then ends (or fails). */
function daemon(snapshot: Diagnostics, events: StreamEvent[], options: { status?: Partial<Status>; fail?: Error } = {}): ClientLike & { snapshots: number } {
	return {
		snapshots: 0,
		async status() {
			return { ...STATUS, ...options.status };
		},
		async diagnostics() {
			this.snapshots++;
			return snapshot;
		},
		async events(onEvent) {
			for (const event of events) await onEvent(event);
			if (options.fail) throw options.fail;
		},
	};
}

const hello = (generation: number, extra: Record<string, unknown> = {}): StreamEvent => ({ name: "hello", data: { generation, ready: true, version: "0.1.0", api: 1, ...extra } });

function run(clients: (ClientLike | string)[], random = () => 0.5) {
	const store = new ProblemStore();
	const states: ConnectionState[] = [];
	const delays: number[] = [];
	const connection = new Connection({
		discover: async () => clients.shift() ?? "no more daemons",
		store,
		onState: (s) => states.push(s),
		backoff: new Backoff(500, 4000, random),
		sleep: async (ms) => {
			delays.push(ms);
			if (!clients.length) void connection.stop();
		},
	});
	return { store, states, delays, connection };
}

describe("the connection to the daemon", () => {
	it("reads a snapshot on hello, then applies only the changes newer than it", async () => {
		const a = daemon({ generation: 5, ready: true, problems: [problem("A.md", "VK201", "broken-wikilink", 1)] }, [
			hello(5),
			{ name: "diagnostics", data: { generation: 5, path: "A.md", problems: [] } }, // already in the snapshot
			{ name: "diagnostics", data: { generation: 6, path: "B.md", problems: [problem("B.md", "VK104", "property-type", 2)] } },
			{ name: "renamed", data: { generation: 7, from: "A.md", to: "C.md" } },
			{ name: "removed", data: { generation: 8, path: "B.md" } },
		]);
		const { store, connection } = run([a]);
		await connection.start();
		expect(a.snapshots).toBe(1);
		expect(store.paths()).toEqual(["C.md"]);
	});

	it("backs off while no daemon answers, resets after a hello, and resyncs fully after a gap", async () => {
		const first = daemon({ generation: 1, ready: true, problems: [problem("A.md", "VK201", "broken-wikilink", 1)] }, [hello(1)], { fail: new TypeError("network") });
		const second = daemon({ generation: 1, ready: true, problems: [problem("B.md", "VK201", "broken-wikilink", 1)] }, [hello(1)]);
		const { store, delays, states, connection } = run(["no daemon", "no daemon", "no daemon", first, "no daemon", second]);
		await connection.start();
		// 500, 1000, 2000 (x0.75 jitter), reset by the hello, then 500 again; 4000 is the cap
		expect(delays).toEqual([375, 750, 1500, 375, 750, 375]);
		// the restarted daemon has the same generation but other problems: the snapshot is read anyway
		expect(store.paths()).toEqual(["B.md"]);
		expect(states.filter((s) => s.kind === "connected")).toHaveLength(2);
		expect(states.find((s) => s.kind === "offline" && s.reason.includes("network"))).toBeTruthy();
	});

	it("caps the delay", () => {
		const backoff = new Backoff(500, 4000, () => 0.999);
		const delays = Array.from({ length: 6 }, () => backoff.next());
		expect(delays).toEqual([500, 1000, 1999, 3998, 3998, 3998]); // base x (0.5 + 0.999/2), capped at 4000
	});

	it("waits for ready when the first check still runs, and resyncs on request", async () => {
		let snapshots = 0;
		const client: ClientLike = {
			status: async () => ({ ...STATUS, ready: false }),
			diagnostics: async () => {
				snapshots++;
				if (snapshots === 1) throw new ApiError(503, "starting", "the first check is still running");
				return { generation: snapshots, ready: true, problems: [problem("A.md", "VK201", "broken-wikilink", snapshots)] };
			},
			async events(onEvent) {
				await onEvent(hello(0, { ready: false }));
				await onEvent({ name: "ready", data: { notes: 1 } });
				await onEvent({ name: "resync", data: { reason: "fell behind" } });
			},
		};
		const { store, states, connection } = run([client]);
		await connection.start();
		expect(snapshots).toBe(3);
		expect(store.problemsOf("A.md")[0].line).toBe(3);
		expect(states.map((s) => s.kind)).toContain("checking");
	});

	it("stops, without retrying, at a daemon too old or too new, and says why", async () => {
		for (const status of [{ api: undefined }, { version: "0.0.9" }, { api: 2 }]) {
			const { states, delays, connection } = run([daemon({ generation: 0, ready: true, problems: [] }, [], { status })]);
			await connection.start();
			const last = states[states.length - 1];
			expect(last.kind).toBe("incompatible");
			expect(last.kind === "incompatible" && last.reason).toMatch(status.api === 2 ? /update the plugin/ : /too old/);
			expect(delays).toEqual([]);
		}
	});

	it("names a refused token", async () => {
		const refused = daemon({ generation: 0, ready: true, problems: [] }, [], {});
		refused.status = async () => {
			throw new ApiError(401, "unauthorized", "send Authorization");
		};
		const { states, connection } = run([refused]);
		await connection.start();
		expect(states.some((s) => s.kind === "offline" && /refused the token/.test(s.reason))).toBe(true);
	});
});

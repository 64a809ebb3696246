/**
 * The daemon's HTTP API (`vaultkit/openapi.json`): every request carries the bearer token; the
 * event stream is read with fetch, since EventSource cannot send an Authorization header.  The
 * daemon answers CORS for Obsidian's origin `app://obsidian.md` only.
 */

import { SseParser } from "./sse";
import type { Diagnostics, FixRequest, FixResult, RuleDoc, RuleSummary, Status, StreamEvent } from "./types";

/** An answer other than 2xx, with the daemon's error code (`unauthorized`, `stale`, …). */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
	) {
		super(message);
		this.name = "ApiError";
	}
}

export type Fetch = typeof fetch;

export class VaultkitClient {
	/** Whether the daemon's first full check was done, from the last answer's header. */
	ready = false;

	constructor(
		readonly url: string,
		private readonly token: string,
		private readonly fetcher: Fetch = (...args) => fetch(...args),
	) {}

	private async call<T>(method: string, route: string, body?: unknown, signal?: AbortSignal): Promise<T> {
		const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
		if (body !== undefined) headers["Content-Type"] = "application/json";
		const response = await this.fetcher(this.url + route, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			signal,
		});
		this.ready = response.headers.get("X-Vaultkit-Ready") === "true";
		const text = await response.text();
		let payload: unknown = null;
		try {
			payload = text ? JSON.parse(text) : null;
		} catch {
			throw new ApiError(response.status, "bad_response", `the daemon answered ${response.status} with something that is not JSON`);
		}
		if (!response.ok) {
			const error = (payload as { error?: { code?: string; message?: string } } | null)?.error;
			throw new ApiError(response.status, error?.code ?? "http_error", error?.message ?? `HTTP ${response.status}`);
		}
		return payload as T;
	}

	status(): Promise<Status> {
		return this.call("GET", "/v1/status");
	}

	diagnostics(path?: string): Promise<Diagnostics> {
		return this.call("GET", path === undefined ? "/v1/diagnostics" : `/v1/diagnostics?path=${encodeURIComponent(path)}`);
	}

	fix(request: FixRequest): Promise<FixResult> {
		return this.call("POST", "/v1/fix", request);
	}

	recheck(): Promise<{ queued: boolean }> {
		return this.call("POST", "/v1/recheck", {});
	}

	async rules(): Promise<RuleSummary[]> {
		return (await this.call<{ rules: RuleSummary[] }>("GET", "/v1/rules")).rules;
	}

	rule(name: string): Promise<RuleDoc> {
		return this.call("GET", `/v1/rules/${encodeURIComponent(name)}`);
	}

	/** Read the event stream until it ends or `signal` aborts, handing each event to `onEvent`
	 * in order (awaited, so a handler that fetches keeps its place). */
	async events(onEvent: (event: StreamEvent) => void | Promise<void>, signal: AbortSignal): Promise<void> {
		const response = await this.fetcher(`${this.url}/v1/events`, {
			headers: { Authorization: `Bearer ${this.token}`, Accept: "text/event-stream" },
			signal,
		});
		if (!response.ok || !response.body) {
			const text = await response.text().catch(() => "");
			let code = "http_error";
			let message = `HTTP ${response.status}`;
			try {
				const error = (JSON.parse(text) as { error: { code: string; message: string } }).error;
				code = error.code;
				message = error.message;
			} catch {
				// not the daemon's JSON error: keep the status line
			}
			throw new ApiError(response.status, code, message);
		}
		const parser = new SseParser();
		const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) return;
				for (const event of parser.feed(value)) await onEvent(event);
			}
		} finally {
			reader.releaseLock();
		}
	}
}

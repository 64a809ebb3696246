/** The version handshake: the plugin speaks API version 1 to a vaultkit at least this new. */

import type { Status } from "./types";

export const API_VERSION = 1;
export const MIN_VAULTKIT = "0.1.0";

/** Compares dotted release numbers ("0.10.1" > "0.9"); a pre-release suffix is ignored. */
export function compareVersions(a: string, b: string): number {
	const parts = (v: string) => v.split(/[.+-]/).map((p) => Number.parseInt(p, 10)).map((n) => (Number.isNaN(n) ? 0 : n));
	const x = parts(a);
	const y = parts(b);
	for (let i = 0; i < Math.max(x.length, y.length); i++) {
		const d = (x[i] ?? 0) - (y[i] ?? 0);
		if (d !== 0) return Math.sign(d);
	}
	return 0;
}

/** Why the plugin cannot work with this daemon, or null when it can. */
export function incompatibility(status: Pick<Status, "version" | "api">): string | null {
	if (status.api === undefined || compareVersions(status.version, MIN_VAULTKIT) < 0) {
		return `vaultkit ${status.version} is too old for this plugin: install vaultkit ${MIN_VAULTKIT} or later (pip install -U vaultkit) and restart \`vaultkit watch\``;
	}
	if (status.api !== API_VERSION) {
		return `vaultkit ${status.version} speaks API version ${status.api}, this plugin version ${API_VERSION}: update the plugin with \`vaultkit obsidian install\``;
	}
	return null;
}

/** The plugin's settings and how stored data (possibly from an older version, or hand-edited)
 * is read back: anything of the wrong type falls back to the default instead of breaking the load. */

import type { Severity } from "./types";

export interface Settings {
	/** Path of the `vaultkit` executable; empty: look on PATH and in the usual install folders. */
	executable: string;
	/** Start `vaultkit watch` when no daemon runs for this vault (and stop it on unload). */
	startDaemon: boolean;
	/** Lowest severity shown in the editor and the problems view. */
	minSeverity: Severity;
	/** Offer unsafe fixes (marked as such) among the quick fixes. */
	unsafeQuickFixes: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
	executable: "",
	startDaemon: true,
	minSeverity: "info",
	unsafeQuickFixes: true,
};

const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** Settings from whatever `loadData()` returned. */
export function readSettings(stored: unknown): Settings {
	const data = typeof stored === "object" && stored !== null ? (stored as Record<string, unknown>) : {};
	const pick = <K extends keyof Settings>(key: K, valid: (value: unknown) => boolean): Settings[K] =>
		valid(data[key]) ? (data[key] as Settings[K]) : DEFAULT_SETTINGS[key];
	return {
		executable: pick("executable", (v) => typeof v === "string").trim(),
		startDaemon: pick("startDaemon", (v) => typeof v === "boolean"),
		minSeverity: pick("minSeverity", (v) => SEVERITIES.includes(v as Severity)),
		unsafeQuickFixes: pick("unsafeQuickFixes", (v) => typeof v === "boolean"),
	};
}

/** Whether a problem of `severity` is shown when the lowest shown is `min`. */
export function shown(severity: Severity, min: Severity): boolean {
	return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(min);
}

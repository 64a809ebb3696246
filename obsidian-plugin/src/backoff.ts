/** Reconnect delays: doubling from `first` up to `max`, with jitter so that several vaults'
 * plugins do not hammer a restarting daemon in step; reset once a connection succeeds. */
export class Backoff {
	private attempt = 0;

	constructor(
		private readonly first = 500,
		private readonly max = 30_000,
		private readonly random: () => number = Math.random,
	) {}

	/** The next delay in milliseconds: base * 2^attempt, capped, times a factor in [0.5, 1). */
	next(): number {
		const base = Math.min(this.max, this.first * 2 ** this.attempt);
		this.attempt = Math.min(this.attempt + 1, 30);
		return Math.round(base * (0.5 + this.random() / 2));
	}

	reset(): void {
		this.attempt = 0;
	}
}

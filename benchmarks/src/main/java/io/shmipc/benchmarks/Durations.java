package io.shmipc.benchmarks;

/**
 * Prints measured durations for people, e.g. {@code 1.50 s}. Durations are parsed by {@code Units} in
 * idle-strategies, through {@code DurationConverter} on the command line.
 */
final class Durations
{
    private Durations()
    {
    }

    /**
     * @param nanos a duration.
     * @return a short human form, e.g. {@code 1.50 s}, {@code 230 ns}.
     */
    static String format(final long nanos)
    {
        if (nanos >= 1_000_000_000L)
        {
            return String.format("%.2f s", nanos / 1e9);
        }
        if (nanos >= 1_000_000L)
        {
            return String.format("%.2f ms", nanos / 1e6);
        }
        if (nanos >= 10_000L)
        {
            return String.format("%.1f us", nanos / 1e3);
        }
        return nanos + " ns";
    }
}

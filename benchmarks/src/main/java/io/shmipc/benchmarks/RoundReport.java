package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/**
 * Reading a round-method run's result files and printing its tables: per-round histograms and counters by round
 * and variant, medians with their interquartile range.
 */
final class RoundReport
{
    private RoundReport()
    {
    }

    /**
     * @return the histogram of variant {@code v} in each round.
     */
    static Histogram[] histograms(final ResultFile result, final int v, final int rounds)
    {
        final Histogram[] histograms = new Histogram[rounds];
        for (int r = 0; r < rounds; r++)
        {
            final String key = "round." + r + "." + v;
            histograms[r] = result.has(key) ? result.histogram(key) : PeerCommand.newHistogram();
        }
        return histograms;
    }

    /**
     * @return the counter {@code round.R.V.<suffix>} of each round.
     */
    static double[] counters(final ResultFile result, final int v, final int rounds, final String suffix)
    {
        final double[] values = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            values[r] = result.getLong("round." + r + "." + v + "." + suffix);
        }
        return values;
    }

    /**
     * @return the driving side's CPU over variant v's measured slices, percent of a core.
     */
    static double driverCpuPercent(final ResultFile result, final int v, final int rounds)
    {
        double cpu = 0;
        double wall = 0;
        for (int r = 0; r < rounds; r++)
        {
            cpu += result.getLong("round." + r + "." + v + ".cpuNanos");
            wall += result.getLong("round." + r + "." + v + ".wallNanos");
        }
        return wall > 0 ? 100 * cpu / wall : 0;
    }

    /**
     * @return the serving side's CPU while it served variant v in a phase (measure, idle, ...), percent of a core,
     * or 0 if it never did.
     */
    static double serverCpuPercent(final ResultFile result, final int v, final String phase)
    {
        final String key = "serve." + v + "." + phase;
        if (!result.has(key + ".wallNanos"))
        {
            return 0;
        }
        final long wall = result.getLong(key + ".wallNanos");
        return wall > 0 ? 100.0 * result.getLong(key + ".cpuNanos") / wall : 0;
    }

    /**
     * @return a header for {@link #spreadRow}: the name column, then one column per round percentile.
     */
    static String spreadHeader(final String first, final int width)
    {
        final StringBuilder sb = new StringBuilder(String.format("%-" + width + "s", first));
        for (final String label : Rounds.LABELS)
        {
            sb.append(String.format(" %-20s", label));
        }
        return sb.toString();
    }

    /**
     * @return one row of medians over rounds with their IQR, as ratios ({@code 1.07 (1.03-1.12)}).
     */
    static String spreadRow(final String name, final int width, final Rounds.Spread[] spreads)
    {
        final StringBuilder sb = new StringBuilder(String.format("%-" + width + "s", name));
        for (final Rounds.Spread s : spreads)
        {
            sb.append(String.format(" %-20s", String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", s.median,
                s.q1, s.q3)));
        }
        return sb.toString();
    }

    /**
     * @return one row of medians over rounds with their IQR, as latencies ({@code 151ns (141ns-160ns)}).
     */
    static String valueRow(final String name, final int width, final Rounds.Spread[] spreads)
    {
        final StringBuilder sb = new StringBuilder(String.format("%-" + width + "s", name));
        for (final Rounds.Spread s : spreads)
        {
            sb.append(String.format(" %-20s", Latency.compact(Math.round(s.median)) + " (" +
                Latency.compact(Math.round(s.q1)) + "-" + Latency.compact(Math.round(s.q3)) + ")"));
        }
        return sb.toString();
    }

    /**
     * @return "met (median 0.97, IQR 0.95-1.01)" and the like.
     */
    static String verdict(final Rounds.Verdict verdict, final Rounds.Spread spread)
    {
        return verdict.text + " (median " + spread.format().replace(" (", ", ").replace(")", "") + ")";
    }

    /**
     * A goal's verdict in a result: {@code met}, {@code not_met}, {@code too_wide} or {@code descheduled}, the limit
     * and the ratio it was judged on.
     */
    record Goal(String verdict, double limit, Rounds.Quartiles ratio)
    {
        static Goal of(final Rounds.Verdict verdict, final Rounds.Spread spread, final double limit)
        {
            return new Goal(verdict.name().toLowerCase(Locale.ROOT), limit, Rounds.Quartiles.of(spread));
        }
    }

    /**
     * @return per round, the lowest CPU share (percent of a core) either measuring thread had during any variant's
     * slice of that round: the driving side over the recorded slice, the serving side over the whole slice
     * (settle included). 100 where a side did not record it.
     */
    static double[] lowestCpuPerRound(final ResultFile active, final ResultFile passive, final int variants,
        final int rounds)
    {
        final double[] lowest = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            lowest[r] = 100;
            for (int v = 0; v < variants; v++)
            {
                final String key = "round." + r + "." + v;
                lowest[r] = Math.min(lowest[r], share(active, key + ".cpuNanos", key + ".wallNanos"));
                lowest[r] = Math.min(lowest[r], share(passive, key + ".serve.cpuNanos", key + ".serve.wallNanos"));
            }
        }
        return lowest;
    }

    private static double share(final ResultFile result, final String cpuKey, final String wallKey)
    {
        if (!result.has(cpuKey) || !result.has(wallKey))
        {
            return 100;
        }
        final long wall = result.getLong(wallKey);
        return wall > 0 ? 100.0 * result.getLong(cpuKey) / wall : 100;
    }
}

package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The arithmetic of the round method: the order the variants run in each round, the per-round ratios of a variant
 * to its reference (the floor, or Agrona) measured in the same round, and the median and interquartile range of
 * those ratios over the rounds. Pure functions, no I/O.
 * <p>
 * Why per-round ratios: on a shared VM the cost of moving a cache line between the two vCPUs changes from second to
 * second. A ratio of two figures measured within the same second on the same two threads cancels most of that
 * drift; the median over many rounds ignores the rounds in which the drift did not cancel, and the interquartile
 * range says how much the remaining noise is.
 */
final class Rounds
{
    /**
     * Percentiles the round method reports (p50, p90, p99, p99.9); beyond p99.9 a half-second slice has too few
     * samples.
     */
    static final double[] PERCENTILES = {50.0, 90.0, 99.0, 99.9};
    /** Their labels. */
    static final String[] LABELS = {"p50", "p90", "p99", "p99.9"};

    /**
     * Widest interquartile range, relative to the median, with which a goal is still judged: +-5%, the tolerance of
     * the self-check.
     */
    static final double MAX_RELATIVE_IQR = 0.10;

    private Rounds()
    {
    }

    /** Median and quartiles of a set of values. Immutable. */
    static final class Spread
    {
        final double median;
        final double q1;
        final double q3;
        final int count;

        Spread(final double median, final double q1, final double q3, final int count)
        {
            this.median = median;
            this.q1 = q1;
            this.q3 = q3;
            this.count = count;
        }

        /**
         * @return q3 - q1.
         */
        double iqr()
        {
            return q3 - q1;
        }

        /**
         * @return the IQR relative to the median (0 when the median is 0).
         */
        double relativeIqr()
        {
            return 0 == median ? 0 : iqr() / median;
        }

        /**
         * @return e.g. {@code 1.07 (IQR 1.03-1.12)}.
         */
        String format()
        {
            return String.format(Locale.ROOT, "%.2f (IQR %.2f-%.2f)", median, q1, q3);
        }

        public String toString()
        {
            return format();
        }
    }

    /** Outcome of checking a goal against a median ratio. */
    enum Verdict
    {
        MET("met"),
        NOT_MET("NOT met"),
        TOO_WIDE("cannot judge: the spread over rounds is too wide"),
        DESCHEDULED("cannot judge: the measuring threads were descheduled");

        final String text;

        Verdict(final String text)
        {
            this.text = text;
        }
    }

    /**
     * The order of the variants in one round. Variants come in groups whose members are compared with each other
     * (all the ping-pong variants with their floor; shmipc and Agrona of one message size). The groups rotate by one
     * position per round, and so do the members within each group, so that over the rounds every variant runs in
     * every position, and members of a group always run next to each other.
     *
     * @param groups variant indices, grouped.
     * @param round  0-based round number.
     * @return the variant indices in the order they run in this round.
     */
    static int[] order(final int[][] groups, final int round)
    {
        int total = 0;
        for (final int[] group : groups)
        {
            total += group.length;
        }
        final int[] order = new int[total];
        int next = 0;
        for (int g = 0; g < groups.length; g++)
        {
            final int[] group = groups[(g + round) % groups.length];
            for (int m = 0; m < group.length; m++)
            {
                order[next++] = group[(m + round) % group.length];
            }
        }
        return order;
    }

    /**
     * @return the median of the values (the mean of the two middle ones for an even count).
     * @throws IllegalArgumentException if there are none.
     */
    static double median(final double[] values)
    {
        return quantile(sorted(values), 0.5);
    }

    /**
     * The q-quantile of sorted values by linear interpolation between closest ranks (Hyndman and Fan type 7, the
     * default of R and NumPy): position {@code q * (n - 1)}.
     *
     * @throws IllegalArgumentException if there are no values or q is outside 0..1.
     */
    static double quantile(final double[] sorted, final double q)
    {
        if (0 == sorted.length)
        {
            throw new IllegalArgumentException("no values");
        }
        if (q < 0 || q > 1)
        {
            throw new IllegalArgumentException("quantile outside 0..1: " + q);
        }
        final double position = q * (sorted.length - 1);
        final int below = (int)Math.floor(position);
        final int above = Math.min(below + 1, sorted.length - 1);
        final double fraction = position - below;
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }

    /**
     * @return median, first and third quartile of the values.
     */
    static Spread spread(final double[] values)
    {
        if (0 == values.length)
        {
            return new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        final double[] sorted = sorted(values);
        return new Spread(quantile(sorted, 0.5), quantile(sorted, 0.25), quantile(sorted, 0.75), sorted.length);
    }

    /**
     * Pair each round's value of a variant with the same round's value of its reference.
     *
     * @return {@code variant[r] / reference[r]} for every round r.
     * @throws IllegalArgumentException if the arrays differ in length or a reference value is not positive.
     */
    static double[] ratios(final double[] variant, final double[] reference)
    {
        if (variant.length != reference.length)
        {
            throw new IllegalArgumentException("variant has " + variant.length + " rounds, its reference " +
                reference.length);
        }
        final double[] ratios = new double[variant.length];
        for (int r = 0; r < variant.length; r++)
        {
            if (!(reference[r] > 0))
            {
                throw new IllegalArgumentException("reference value of round " + r + " is " + reference[r]);
            }
            ratios[r] = variant[r] / reference[r];
        }
        return ratios;
    }

    /**
     * @return each round's value at the percentile, in nanoseconds.
     */
    static double[] percentile(final Histogram[] rounds, final double percentile)
    {
        final double[] values = new double[rounds.length];
        for (int r = 0; r < rounds.length; r++)
        {
            values[r] = rounds[r].getValueAtPercentile(percentile);
        }
        return values;
    }

    /**
     * The per-round ratio of a variant to its reference at each of {@link #PERCENTILES}, summarised over rounds.
     *
     * @param variant   the variant's histogram of each round.
     * @param reference the reference's histogram of the same rounds.
     * @return one spread per percentile, over the rounds in which both have samples (NaN if there are none).
     */
    static Spread[] ratioSpreads(final Histogram[] variant, final Histogram[] reference)
    {
        if (variant.length != reference.length)
        {
            throw new IllegalArgumentException("variant has " + variant.length + " rounds, its reference " +
                reference.length);
        }
        final List<Histogram> a = new ArrayList<>();
        final List<Histogram> b = new ArrayList<>();
        for (int r = 0; r < variant.length; r++)
        {
            if (variant[r].getTotalCount() > 0 && reference[r].getTotalCount() > 0)
            {
                a.add(variant[r]);
                b.add(reference[r]);
            }
        }
        final Histogram[] va = a.toArray(new Histogram[0]);
        final Histogram[] vb = b.toArray(new Histogram[0]);
        final Spread[] spreads = new Spread[PERCENTILES.length];
        for (int i = 0; i < PERCENTILES.length; i++)
        {
            spreads[i] = spread(ratios(percentile(va, PERCENTILES[i]), percentile(vb, PERCENTILES[i])));
        }
        return spreads;
    }

    /**
     * @return the median over rounds of each round's value at each of {@link #PERCENTILES}, in nanoseconds.
     */
    static Spread[] valueSpreads(final Histogram[] rounds)
    {
        final List<Histogram> nonEmpty = new ArrayList<>();
        for (final Histogram h : rounds)
        {
            if (h.getTotalCount() > 0)
            {
                nonEmpty.add(h);
            }
        }
        final Histogram[] used = nonEmpty.toArray(new Histogram[0]);
        final Spread[] spreads = new Spread[PERCENTILES.length];
        for (int i = 0; i < PERCENTILES.length; i++)
        {
            spreads[i] = spread(percentile(used, PERCENTILES[i]));
        }
        return spreads;
    }

    /**
     * Check "ratio at most limit" on a median ratio.
     *
     * @return {@link Verdict#TOO_WIDE} when the IQR is wider than {@link #MAX_RELATIVE_IQR} of the median and the
     * limit lies inside the IQR (so the rounds disagree about the answer), else met or not met by the median.
     */
    static Verdict atMost(final Spread ratio, final double limit)
    {
        if (ratio.relativeIqr() > MAX_RELATIVE_IQR && ratio.q1 <= limit && limit <= ratio.q3)
        {
            return Verdict.TOO_WIDE;
        }
        return ratio.median <= limit ? Verdict.MET : Verdict.NOT_MET;
    }

    /**
     * Check "ratio at least limit" on a median ratio, as {@link #atMost}.
     */
    static Verdict atLeast(final Spread ratio, final double limit)
    {
        if (ratio.relativeIqr() > MAX_RELATIVE_IQR && ratio.q1 <= limit && limit <= ratio.q3)
        {
            return Verdict.TOO_WIDE;
        }
        return ratio.median >= limit ? Verdict.MET : Verdict.NOT_MET;
    }

    /**
     * @return true when the median lies within {@code 1 +- tolerance}.
     */
    static boolean withinOfOne(final Spread ratio, final double tolerance)
    {
        return Math.abs(ratio.median - 1.0) <= tolerance;
    }

    /**
     * @return the histograms merged (the pooled distribution of all rounds).
     */
    static Histogram pool(final Histogram[] rounds)
    {
        final Histogram pooled = PeerCommand.newHistogram();
        for (final Histogram h : rounds)
        {
            pooled.add(h);
        }
        return pooled;
    }

    /**
     * A spread in a result: median, first and third quartile (each to 4 significant digits; NaN, written as null,
     * when there were no rounds) and the number of rounds.
     */
    record Quartiles(double median, double q1, double q3, int rounds)
    {
        static Quartiles of(final Spread spread)
        {
            return new Quartiles(Latency.significant(spread.median), Latency.significant(spread.q1),
                Latency.significant(spread.q3), spread.count);
        }
    }

    /**
     * @return the spreads of {@link #PERCENTILES} by their {@link #LABELS} ({@code p50} .. {@code p99.9}), in order.
     */
    static Map<String, Quartiles> quartiles(final Spread[] spreads)
    {
        final Map<String, Quartiles> map = new LinkedHashMap<>();
        for (int i = 0; i < spreads.length; i++)
        {
            map.put(LABELS[i], Quartiles.of(spreads[i]));
        }
        return map;
    }

    /**
     * @return the per-round values, each to 4 significant digits.
     */
    static List<Double> significant(final double[] values)
    {
        final List<Double> list = new ArrayList<>(values.length);
        for (final double v : values)
        {
            list.add(Latency.significant(v));
        }
        return list;
    }

    private static double[] sorted(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted;
    }

    /**
     * The rounds to keep: those in which every measuring thread had at least {@code minCpuPercent} of a core. A
     * busy-spinning thread below that was descheduled during the round, and the round measured the scheduler; it is
     * dropped for every variant, so the remaining rounds stay paired.
     *
     * @param lowestCpuPercent per round, the lowest CPU share of any measuring thread in it.
     * @return the indices of the rounds kept, in order.
     */
    static int[] cleanRounds(final double[] lowestCpuPercent, final double minCpuPercent)
    {
        int n = 0;
        final int[] kept = new int[lowestCpuPercent.length];
        for (int r = 0; r < lowestCpuPercent.length; r++)
        {
            if (lowestCpuPercent[r] >= minCpuPercent)
            {
                kept[n++] = r;
            }
        }
        return Arrays.copyOf(kept, n);
    }

    /**
     * @return the elements of {@code values} at {@code rounds}.
     */
    static Histogram[] select(final Histogram[] values, final int[] rounds)
    {
        final Histogram[] selected = new Histogram[rounds.length];
        for (int i = 0; i < rounds.length; i++)
        {
            selected[i] = values[rounds[i]];
        }
        return selected;
    }

    /**
     * @return the elements of {@code values} at {@code rounds}.
     */
    static double[] select(final double[] values, final int[] rounds)
    {
        final double[] selected = new double[rounds.length];
        for (int i = 0; i < rounds.length; i++)
        {
            selected[i] = values[rounds[i]];
        }
        return selected;
    }
}

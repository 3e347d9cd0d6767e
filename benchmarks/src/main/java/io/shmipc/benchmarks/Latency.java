package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The percentiles every latency report shows (p50, p90, p99, p99.9, p99.99, max), as text, JSON and HdrHistogram
 * {@code .hgrm} files. Values are nanoseconds.
 */
final class Latency
{
    /** Labels of the reported points, in order. */
    static final String[] LABELS = {"p50", "p90", "p99", "p99.9", "p99.99", "max"};

    private static final double[] PERCENTILES = {50.0, 90.0, 99.0, 99.9, 99.99, 100.0};

    private Latency()
    {
    }

    /**
     * @return p50, p90, p99, p99.9, p99.99 and max in nanoseconds, non-decreasing.
     */
    static long[] points(final Histogram histogram)
    {
        final long[] points = new long[PERCENTILES.length];
        for (int i = 0; i < PERCENTILES.length; i++)
        {
            points[i] =
                100.0 == PERCENTILES[i] ? histogram.getMaxValue() : histogram.getValueAtPercentile(PERCENTILES[i]);
        }
        return points;
    }

    /**
     * A latency distribution in a result: its name, count, the six points and the mean, in nanoseconds.
     */
    record Summary(String name, long count, long p50Nanos, long p90Nanos, long p99Nanos, long p999Nanos,
        long p9999Nanos, long maxNanos, long meanNanos)
    {
    }

    /**
     * @return name, count, the six points and the mean of the histogram.
     */
    static Summary summary(final String name, final Histogram histogram)
    {
        final long[] p = points(histogram);
        return new Summary(name, histogram.getTotalCount(), p[0], p[1], p[2], p[3], p[4], p[5],
            Math.round(histogram.getMean()));
    }

    /**
     * @return the table header for rows of {@link #row}.
     */
    static String header(final String first, final int width)
    {
        final StringBuilder sb = new StringBuilder(String.format("%-" + width + "s %10s", first, "count"));
        for (final String label : LABELS)
        {
            sb.append(String.format(" %9s", label));
        }
        return sb.toString();
    }

    /**
     * @return one table row: the count, then each point in a compact unit (ns, us, ms).
     */
    static String row(final String name, final int width, final Histogram histogram)
    {
        final StringBuilder sb = new StringBuilder(
            String.format("%-" + width + "s %10d", name, histogram.getTotalCount()));
        for (final long value : points(histogram))
        {
            sb.append(String.format(" %9s", compact(value)));
        }
        return sb.toString();
    }

    /**
     * @return a row of ratios {@code a / b} per point.
     */
    static String ratioRow(final String name, final int width, final Histogram a, final Histogram b)
    {
        final StringBuilder sb = new StringBuilder(String.format("%-" + width + "s %10s", name, ""));
        final long[] pa = points(a);
        final long[] pb = points(b);
        for (int i = 0; i < pa.length; i++)
        {
            final double ratio = (double)pa[i] / pb[i];
            sb.append(String.format(" %8sx",
                ratio >= 0.01 ? String.format("%.2f", ratio) : String.format("%.1g", ratio)));
        }
        return sb.toString();
    }

    /**
     * @return the value rounded to 4 significant digits (never to 0 for a positive value).
     */
    static double significant(final double value)
    {
        return Double.parseDouble(String.format(Locale.ROOT, "%.4g", value));
    }

    /**
     * @return e.g. {@code 231ns}, {@code 4.52us}, {@code 1.20ms}.
     */
    static String compact(final long nanos)
    {
        if (nanos < 10_000)
        {
            return nanos + "ns";
        }
        if (nanos < 10_000_000)
        {
            return String.format("%.2fus", nanos / 1e3);
        }
        return String.format("%.2fms", nanos / 1e6);
    }

    /**
     * Write HdrHistogram's percentile distribution, in microseconds, as read by its plotter.
     *
     * @throws UncheckedIOException if the file cannot be written.
     */
    static void writeHgrm(final Path file, final Histogram histogram)
    {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, "UTF-8"))
        {
            histogram.outputPercentileDistribution(out, 5, 1000.0);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + file + ": " + ex, ex);
        }
    }
}

package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The percentiles every latency report shows (p50, p90, p99, p99.9, p99.99, max), as text, JSON and HdrHistogram
 * {@code .hgrm} files. Values are nanoseconds.
 */
final class Latency
{
    /** Labels of the reported points, in order. */
    static final String[] LABELS = {"p50", "p90", "p99", "p99.9", "p99.99", "max"};
    /** JSON field names of the reported points, in order. */
    static final String[] JSON_FIELDS = {"p50Nanos", "p90Nanos", "p99Nanos", "p999Nanos", "p9999Nanos", "maxNanos"};

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
            points[i] = 100.0 == PERCENTILES[i] ? histogram.getMaxValue() : histogram.getValueAtPercentile(PERCENTILES[i]);
        }
        return points;
    }

    /**
     * @return name, count, the six points and the mean, for the JSON.
     */
    static Map<String, Object> summary(final String name, final Histogram histogram)
    {
        final Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("name", name);
        summary.put("count", histogram.getTotalCount());
        final long[] points = points(histogram);
        for (int i = 0; i < points.length; i++)
        {
            summary.put(JSON_FIELDS[i], points[i]);
        }
        summary.put("meanNanos", Math.round(histogram.getMean()));
        return summary;
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
            sb.append(String.format(" %8sx", ratio >= 0.01 ? String.format("%.2f", ratio) : String.format("%.1g", ratio)));
        }
        return sb.toString();
    }

    /**
     * @return {"p50": a/b, ...} for the JSON.
     */
    static Map<String, Object> ratios(final Histogram a, final Histogram b)
    {
        final Map<String, Object> ratios = new LinkedHashMap<>();
        final long[] pa = points(a);
        final long[] pb = points(b);
        for (int i = 0; i < pa.length; i++)
        {
            ratios.put(LABELS[i], significant((double)pa[i] / pb[i]));
        }
        return ratios;
    }

    /**
     * @return the value rounded to 4 significant digits (never to 0 for a positive value).
     */
    static double significant(final double value)
    {
        return Double.parseDouble(String.format(java.util.Locale.ROOT, "%.4g", value));
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

package io.shmipc.benchmarks;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints the durations of the command line: a whole number followed by {@code ns}, {@code us},
 * {@code ms}, {@code s} or {@code m}, e.g. {@code 500ms} or {@code 10s}.
 */
final class Durations
{
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ns|us|ms|s|m)");

    private Durations()
    {
    }

    /**
     * @param text   e.g. {@code 10s}.
     * @param option the option it came from, for the error message.
     * @return the duration in nanoseconds, at least 1.
     * @throws IllegalArgumentException if the text is not a positive duration with a unit.
     */
    static long parseNanos(final String text, final String option)
    {
        final Matcher m = DURATION.matcher(null == text ? "" : text.trim());
        if (m.matches())
        {
            final long unit;
            switch (m.group(2))
            {
                case "ns": unit = 1L; break;
                case "us": unit = 1_000L; break;
                case "ms": unit = 1_000_000L; break;
                case "s": unit = 1_000_000_000L; break;
                default: unit = 60_000_000_000L; break;
            }
            try
            {
                final long nanos = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
                if (nanos > 0)
                {
                    return nanos;
                }
            }
            catch (final ArithmeticException | NumberFormatException ignore)
            {
                // reported below
            }
        }
        throw new IllegalArgumentException(option + ": expected a positive duration such as 500ms, 10s or 2m " +
            "(a whole number, then ns, us, ms, s or m), got \"" + text + "\"");
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

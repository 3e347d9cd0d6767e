package io.shmipc.benchmarks;

import io.shmipc.idle.Units;

import java.time.Duration;

/**
 * How long a run warms up and how long it measures: each either a count of operations (round trips, messages) or
 * a duration. Immutable. Its {@link #toArgs()} form is passed to the child processes.
 */
final class RunLength
{
    private final long warmupCount;
    private final long warmupNanos;
    private final long measureCount;
    private final long measureNanos;

    /**
     * Exactly one of each pair is positive; the other is 0.
     */
    RunLength(final long warmupCount, final long warmupNanos, final long measureCount, final long measureNanos)
    {
        if ((warmupCount > 0) == (warmupNanos > 0) || (measureCount > 0) == (measureNanos > 0))
        {
            throw new IllegalArgumentException("a run length needs exactly one warm-up bound and one measurement " +
                "bound: warmupCount=" + warmupCount + ", warmupNanos=" + warmupNanos + ", measureCount=" +
                measureCount + ", measureNanos=" + measureNanos);
        }
        this.warmupCount = warmupCount;
        this.warmupNanos = warmupNanos;
        this.measureCount = measureCount;
        this.measureNanos = measureNanos;
    }

    /**
     * @param warmup       a count ({@code 200000}) or a duration ({@code 2s}), from {@code --warmup}.
     * @param iterations   {@code --iterations}, or null.
     * @param duration     {@code --duration}, or null.
     * @param defaultMeasure used when both are null, a count or a duration, e.g. {@code "1000000"} or {@code "2s"}.
     * @return the run length.
     * @throws IllegalArgumentException naming the option whose value is bad.
     */
    static RunLength of(
        final String warmup, final Long iterations, final Duration duration, final String defaultMeasure)
    {
        final long warmupCount;
        final long warmupNanos;
        if (warmup.trim().matches("\\d+"))
        {
            warmupCount = parseCount(warmup.trim(), "--warmup");
            warmupNanos = 0;
        }
        else
        {
            warmupCount = 0;
            warmupNanos = positiveNanos(warmup, "--warmup");
        }
        if (null != iterations)
        {
            if (iterations <= 0)
            {
                throw new IllegalArgumentException("--iterations: must be positive, got " + iterations);
            }
            return new RunLength(warmupCount, warmupNanos, iterations, 0);
        }
        if (null != duration)
        {
            return new RunLength(warmupCount, warmupNanos, 0, duration.toNanos());
        }
        if (defaultMeasure.matches("\\d+"))
        {
            return new RunLength(warmupCount, warmupNanos, Long.parseLong(defaultMeasure), 0);
        }
        return new RunLength(warmupCount, warmupNanos, 0, positiveNanos(defaultMeasure, "--duration"));
    }

    /**
     * Parses the child's form written by {@link #toArgs()}.
     */
    static RunLength parse(final String text)
    {
        final String[] parts = text.split(",");
        if (4 != parts.length)
        {
            throw new IllegalArgumentException("run length must be warmupCount,warmupNanos,measureCount," +
                "measureNanos, got \"" + text + "\"");
        }
        return new RunLength(
            Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3]));
    }

    private static long positiveNanos(final String text, final String option)
    {
        final long nanos;
        try
        {
            nanos = Units.parseDuration(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(option + ": expected a positive count such as 200000 or a duration: " +
                ex.getMessage(), ex);
        }
        if (0 == nanos)
        {
            throw new IllegalArgumentException(option + ": the duration must be positive, got \"" + text + "\"");
        }
        return nanos;
    }

    private static long parseCount(final String text, final String option)
    {
        try
        {
            final long value = Long.parseLong(text);
            if (value > 0)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // reported below
        }
        throw new IllegalArgumentException(option + ": expected a positive count such as 200000 or a duration " +
            "such as 2s, got \"" + text + "\"");
    }

    /**
     * @param operations done so far in this phase.
     * @param elapsedNanos since the phase began.
     * @return true once the warm-up bound is reached.
     */
    boolean warmupDone(final long operations, final long elapsedNanos)
    {
        return warmupCount > 0 ? operations >= warmupCount : elapsedNanos >= warmupNanos;
    }

    /**
     * @param operations measured so far.
     * @param elapsedNanos since the measurement began.
     * @return true once the measurement bound is reached.
     */
    boolean measureDone(final long operations, final long elapsedNanos)
    {
        return measureCount > 0 ? operations >= measureCount : elapsedNanos >= measureNanos;
    }

    /**
     * A generous upper bound of the run's wall time, for timeouts, assuming no operation takes longer than
     * {@code worstOperationNanos}.
     */
    long boundNanos(final long worstOperationNanos)
    {
        final long warm = warmupCount > 0 ? warmupCount * worstOperationNanos : warmupNanos;
        final long measure = measureCount > 0 ? measureCount * worstOperationNanos : measureNanos;
        return warm + measure;
    }

    /**
     * @return the total planned operation count when both bounds are counts, else -1 (for progress).
     */
    long plannedMeasureCount()
    {
        return measureCount > 0 ? measureCount : -1;
    }

    /**
     * @return the measurement duration when it is bounded by time, else -1.
     */
    long plannedMeasureNanos()
    {
        return measureNanos > 0 ? measureNanos : -1;
    }

    /**
     * @return the form {@link #parse(String)} reads.
     */
    String toArgs()
    {
        return warmupCount + "," + warmupNanos + "," + measureCount + "," + measureNanos;
    }

    /**
     * @return e.g. {@code warm-up 200000, measure 1000000} or {@code warm-up 1.00 s, measure 10.00 s}.
     */
    public String toString()
    {
        return "warm-up " + (warmupCount > 0 ? warmupCount + " ops" : Durations.format(warmupNanos)) +
            ", measure " + (measureCount > 0 ? measureCount + " ops" : Durations.format(measureNanos));
    }

    /**
     * @return the warm-up count, or 0 when the warm-up is bounded by time.
     */
    long warmupCount()
    {
        return warmupCount;
    }

    /**
     * @return the warm-up duration, or 0 when the warm-up is bounded by a count.
     */
    long warmupNanos()
    {
        return warmupNanos;
    }
}

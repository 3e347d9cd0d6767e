package io.shmipc.tools.cli;

import io.shmipc.idle.Units;
import picocli.CommandLine;

import java.time.Duration;

/**
 * The picocli converter of every duration option of {@code shmipc}, {@code shmipc bench} and {@code shmipc bridge}
 * ({@code --duration}, {@code --timeout}, {@code --interval}, ...): the grammar of {@link Units#parseDuration(String)},
 * e.g. {@code 500ms}, {@code 3s}, {@code 2m}. Zero is refused, except by {@link OrZero}, for the options that say
 * what zero means. Thread safe.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration>
{
    /**
     * {@inheritDoc}
     *
     * @throws CommandLine.TypeConversionException quoting {@code value} if it is not a duration or is zero; picocli
     *                                             adds the option's name.
     */
    public Duration convert(final String value)
    {
        final long nanos = parse(value);
        if (0 == nanos)
        {
            throw new CommandLine.TypeConversionException("'" + value + "': the duration must be positive");
        }
        return Duration.ofNanos(nanos);
    }

    /**
     * The converter of the few duration options for which zero means something ("none", "off"): the same grammar,
     * zero accepted. Thread safe.
     */
    public static final class OrZero implements CommandLine.ITypeConverter<Duration>
    {
        /**
         * {@inheritDoc}
         *
         * @throws CommandLine.TypeConversionException quoting {@code value} if it is not a duration.
         */
        public Duration convert(final String value)
        {
            return Duration.ofNanos(parse(value));
        }
    }

    /** The grammar both converters share; a bad value is a picocli conversion error quoting it. */
    private static long parse(final String value)
    {
        try
        {
            return Units.parseDuration(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
    }

    /**
     * @param duration a non-negative duration.
     * @return it as this converter reads it back, in its shortest exact unit, e.g. {@code 3s} or {@code 500ms}.
     */
    public static String format(final Duration duration)
    {
        return Units.formatDuration(duration.toNanos());
    }
}

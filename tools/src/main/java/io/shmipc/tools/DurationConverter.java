package io.shmipc.tools;

import picocli.CommandLine;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations such as {@code 500ms}, {@code 3s}, {@code 2m}: a whole number and a unit of {@code ns},
 * {@code us}, {@code ms}, {@code s} or {@code m}. Zero and negative values are rejected.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration>
{
    private static final Pattern FORMAT = Pattern.compile("\\s*(\\d{1,12})\\s*(ns|us|ms|s|m)\\s*");

    public Duration convert(final String value)
    {
        final Matcher matcher = FORMAT.matcher(value);
        if (!matcher.matches())
        {
            throw new CommandLine.TypeConversionException(
                "'" + value + "' is not a duration: use a whole number and ns, us, ms, s or m, e.g. 500ms or 3s");
        }
        final long amount = Long.parseLong(matcher.group(1));
        if (0 == amount)
        {
            throw new CommandLine.TypeConversionException("'" + value + "': the duration must be positive");
        }
        switch (matcher.group(2))
        {
            case "ns": return Duration.ofNanos(amount);
            case "us": return Duration.ofNanos(amount * 1000);
            case "ms": return Duration.ofMillis(amount);
            case "s": return Duration.ofSeconds(amount);
            default: return Duration.ofMinutes(amount);
        }
    }

    /**
     * @param duration a duration.
     * @return it as this converter reads it back: whole seconds as {@code 3s}, else milliseconds as {@code 500ms}.
     */
    static String format(final Duration duration)
    {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
}

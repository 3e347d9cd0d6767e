/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.idle;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one grammar of durations and byte sizes written by users: in idle strategy strings ({@code wait:timeout=}),
 * on every command line ({@code --duration}, {@code --capacity}, ...) and in {@code -Dshmipc.*} properties. It lives
 * here because idle-strategies is the lowest module that reads such text, and every other module sees it.
 * <ul>
 *     <li>A <b>duration</b> is a whole number followed by a unit: {@code ns}, {@code us}, {@code ms}, {@code s} or
 *     {@code m} (minutes), e.g. {@code 500ns}, {@code 100ms}, {@code 2m}. A unit is required.</li>
 *     <li>A <b>size</b> is a whole number of bytes, optionally followed by a binary unit: {@code B}, {@code KiB},
 *     {@code MiB} or {@code GiB}; {@code k}/{@code kb}, {@code m}/{@code mb} and {@code g}/{@code gb} mean the same
 *     (1 KiB = 1024 bytes), e.g. {@code 65536}, {@code 64KiB}, {@code 32MiB}.</li>
 * </ul>
 * Spaces around the text and between the number and the unit are ignored; units are case-insensitive. Zero is a
 * valid value here: whether a value is in range (positive, a multiple of 8, ...) is for the caller to check.
 * Errors are {@link IllegalArgumentException}s whose message quotes the bad text and says what is accepted. All
 * methods are thread safe.
 */
public final class Units
{
    /** What a duration looks like, for error messages and help texts. */
    public static final String DURATION_FORMS =
        "a whole number and ns, us, ms, s or m (minutes), e.g. 500us, 100ms or 2m";
    /** What a size looks like, for error messages and help texts. */
    public static final String SIZE_FORMS = "a whole number of bytes, or of KiB, MiB or GiB, e.g. 65536 or 32MiB";

    private static final Pattern DURATION = Pattern.compile("\\s*(\\d+)\\s*([a-z]+)\\s*");
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+)\\s*([a-z]*)\\s*");

    private Units()
    {
    }

    /**
     * Parses a duration.
     *
     * @param text e.g. {@code 100ms} or {@code 2 s}.
     * @return the duration in nanoseconds, {@code >= 0}.
     * @throws IllegalArgumentException quoting {@code text} if it is null, not a whole number and a unit, or longer
     *                                  than {@link Long#MAX_VALUE} nanoseconds (about 292 years).
     */
    public static long parseDuration(final String text)
    {
        return parse(text, DURATION, "duration", DURATION_FORMS, "nanoseconds (about 292 years)");
    }

    /**
     * Parses a byte size.
     *
     * @param text e.g. {@code 65536}, {@code 64KiB} or {@code 32 MiB}.
     * @return the size in bytes, {@code >= 0}.
     * @throws IllegalArgumentException quoting {@code text} if it is null, not a whole number with an optional
     *                                  binary unit, or above {@link Long#MAX_VALUE} bytes.
     */
    public static long parseSize(final String text)
    {
        return parse(text, SIZE, "size", SIZE_FORMS, "bytes");
    }

    /**
     * @param nanos a duration in nanoseconds, {@code >= 0}.
     * @return its shortest exact form in ns, us, ms or s, which {@link #parseDuration(String)} reads back, e.g.
     * {@code 1ms} for 1,000,000 and {@code 1500us} for 1,500,000.
     * @throws IllegalArgumentException if {@code nanos} is negative.
     */
    public static String formatDuration(final long nanos)
    {
        if (nanos < 0)
        {
            throw new IllegalArgumentException("a duration cannot be negative, got " + nanos + "ns");
        }
        if (0 == nanos)
        {
            return "0ns";
        }
        if (0 == nanos % 1_000_000_000L)
        {
            return (nanos / 1_000_000_000L) + "s";
        }
        if (0 == nanos % 1_000_000L)
        {
            return (nanos / 1_000_000L) + "ms";
        }
        if (0 == nanos % 1_000L)
        {
            return (nanos / 1_000L) + "us";
        }
        return nanos + "ns";
    }

    private static long parse(
        final String text, final Pattern pattern, final String what, final String forms, final String limitUnit)
    {
        final Matcher matcher = pattern.matcher(null == text ? "" : text.toLowerCase(Locale.ROOT));
        if (!matcher.matches())
        {
            throw new IllegalArgumentException(quote(text) + " is not a " + what + ": use " + forms);
        }
        final long unit = DURATION == pattern ? nanosPer(matcher.group(2)) : bytesPer(matcher.group(2));
        if (unit < 0)
        {
            throw new IllegalArgumentException(quote(text) + " has an unknown unit '" + matcher.group(2) +
                "': use " + forms);
        }
        try
        {
            return Math.multiplyExact(Long.parseLong(matcher.group(1)), unit);
        }
        catch (final ArithmeticException | NumberFormatException ex)
        {
            throw new IllegalArgumentException(quote(text) + " is too large: a " + what + " is at most " +
                Long.MAX_VALUE + " " + limitUnit, ex);
        }
    }

    private static long nanosPer(final String unit)
    {
        switch (unit)
        {
            case "ns": return 1L;
            case "us": return 1_000L;
            case "ms": return 1_000_000L;
            case "s": return 1_000_000_000L;
            case "m": return 60_000_000_000L;
            default: return -1;
        }
    }

    private static long bytesPer(final String unit)
    {
        switch (unit)
        {
            case "":
            case "b":
                return 1L;
            case "k":
            case "kb":
            case "kib":
                return 1L << 10;
            case "m":
            case "mb":
            case "mib":
                return 1L << 20;
            case "g":
            case "gb":
            case "gib":
                return 1L << 30;
            default:
                return -1;
        }
    }

    private static String quote(final String text)
    {
        return null == text ? "(nothing)" : "'" + text + "'";
    }
}

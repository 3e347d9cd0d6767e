package io.shmipc.idle;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnitsTest
{
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0ns|0", "1ns|1", "500ns|500", "1us|1000", "250us|250000", "1ms|1000000", "100ms|100000000",
        "2s|2000000000", "2m|120000000000", " 3 s |3000000000", "10 ms|10000000", "5MS|5000000", "7Us|7000",
        "9223372036854775807ns|9223372036854775807", "007s|7000000000" })
    void durations(final String text, final long nanos)
    {
        assertEquals(nanos, Units.parseDuration(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "100|'100' is not a duration: use a whole number and ns, us, ms, s or m (minutes)",
        "ms|'ms' is not a duration",
        "''|'' is not a duration",
        "1.5ms|'1.5ms' is not a duration",
        "-1ms|'-1ms' is not a duration",
        "+1ms|'+1ms' is not a duration",
        "1e3ns|'1e3ns' is not a duration",
        "1 0ms|'1 0ms' is not a duration",
        "10h|'10h' has an unknown unit 'h': use a whole number and ns",
        "10sec|'10sec' has an unknown unit 'sec'",
        "1µs|'1µs' is not a duration",
        "9223372036854775808ns|'9223372036854775808ns' is too large: a duration is at most 9223372036854775807 " +
            "nanoseconds",
        "9223372036854775807us|'9223372036854775807us' is too large",
        "99999999999999999999999s|'99999999999999999999999s' is too large" })
    void badDurationsQuoteTheText(final String text, final String expected)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> Units.parseDuration(text));
        assertTrue(ex.getMessage().startsWith(expected), ex.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|0", "65536|65536", "8b|8", "1k|1024", "64KiB|65536", "64 kb|65536", "32MiB|33554432", "32m|33554432",
        " 2 mb |2097152", "1GiB|1073741824", "1g|1073741824", "3GB|3221225472", "2147483647|2147483647" })
    void sizes(final String text, final long bytes)
    {
        assertEquals(bytes, Units.parseSize(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|'' is not a size: use a whole number of bytes, or of KiB, MiB or GiB",
        "MiB|'MiB' is not a size",
        "1.5MiB|'1.5MiB' is not a size",
        "-8|'-8' is not a size",
        "32 MiB extra|'32 MiB extra' is not a size",
        "1TiB|'1TiB' has an unknown unit 'tib': use a whole number of bytes",
        "4kB5|'4kB5' is not a size",
        "9223372036854775807k|'9223372036854775807k' is too large: a size is at most 9223372036854775807 bytes",
        "99999999999999999999|'99999999999999999999' is too large" })
    void badSizesQuoteTheText(final String text, final String expected)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Units.parseSize(text));
        assertTrue(ex.getMessage().startsWith(expected), ex.getMessage());
    }

    @Test
    void nullIsAnErrorNamingTheMissingText()
    {
        assertEquals("(nothing) is not a duration: use " + Units.DURATION_FORMS,
            assertThrows(IllegalArgumentException.class, () -> Units.parseDuration(null)).getMessage());
        assertEquals("(nothing) is not a size: use " + Units.SIZE_FORMS,
            assertThrows(IllegalArgumentException.class, () -> Units.parseSize(null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.formatDuration(-1));
    }

    @Property
    void everyDurationFormatsToTextThatParsesBack(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) final long nanos)
    {
        assertEquals(nanos, Units.parseDuration(Units.formatDuration(nanos)));
    }

    @Property
    void aNumberAndAUnitIsThatManyUnitsOrTooLarge(
        @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) final long amount,
        @ForAll("durationUnits") final String unit,
        @ForAll("spaces") final String before,
        @ForAll("spaces") final String between,
        @ForAll final boolean upperCase)
    {
        final long nanosPerUnit = nanosPer(unit);
        final String text = before + amount + between + (upperCase ? unit.toUpperCase() : unit) + before;
        final BigInteger exact = BigInteger.valueOf(amount).multiply(BigInteger.valueOf(nanosPerUnit));
        if (exact.bitLength() < 64)
        {
            assertEquals(exact.longValueExact(), Units.parseDuration(text));
        }
        else
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> Units.parseDuration(text));
            assertTrue(ex.getMessage().startsWith("'" + text + "' is too large"), ex.getMessage());
        }
    }

    @Property
    void aSizeIsTheNumberShiftedByItsUnitOrTooLarge(
        @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) final long amount,
        @ForAll("sizeUnits") final String unit,
        @ForAll("spaces") final String between)
    {
        final int shift = unit.isEmpty() || unit.equals("B") ? 0 : unit.startsWith("K") ? 10 :
            unit.startsWith("M") ? 20 : 30;
        final String text = amount + between + unit;
        final BigInteger exact = BigInteger.valueOf(amount).shiftLeft(shift);
        if (exact.bitLength() < 64)
        {
            assertEquals(exact.longValueExact(), Units.parseSize(text));
        }
        else
        {
            assertThrows(IllegalArgumentException.class, () -> Units.parseSize(text));
        }
    }

    @Property
    void textWithAnythingButDigitsUnitsAndSpacesIsRefused(@ForAll("junk") final String junk)
    {
        assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("10" + junk + "ms"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseSize("10" + junk + "MiB"));
    }

    @Provide
    Arbitrary<String> durationUnits()
    {
        return Arbitraries.of("ns", "us", "ms", "s", "m");
    }

    @Provide
    Arbitrary<String> sizeUnits()
    {
        return Arbitraries.of("", "B", "K", "KB", "KiB", "M", "MB", "MiB", "G", "GB", "GiB");
    }

    @Provide
    Arbitrary<String> spaces()
    {
        return Arbitraries.of("", " ", "  ", "\t");
    }

    @Provide
    Arbitrary<String> junk()
    {
        return Arbitraries.strings().withChars(".,-+_/:=x#").ofMinLength(1).ofMaxLength(3);
    }

    private static long nanosPer(final String unit)
    {
        switch (unit)
        {
            case "ns": return 1L;
            case "us": return 1_000L;
            case "ms": return 1_000_000L;
            case "s": return 1_000_000_000L;
            default: return 60_000_000_000L;
        }
    }
}

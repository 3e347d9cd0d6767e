package io.shmipc.tools.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converters as every command line uses them: picocli names the option, the converter quotes the text.
 */
class ConvertersTest
{
    @Command(name = "opts")
    static final class Opts
    {
        @Option(names = "--duration", converter = DurationConverter.class)
        Duration duration;

        @Option(names = "--capacity", converter = SizeConverter.class)
        Integer capacity;
    }

    private static Opts parse(final String... args)
    {
        final Opts opts = new Opts();
        new CommandLine(opts).parseArgs(args);
        return opts;
    }

    private static String error(final String... args)
    {
        return assertThrows(CommandLine.ParameterException.class, () -> parse(args)).getMessage();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "500ms|PT0.5S", "3s|PT3S", "2m|PT2M", "250us|PT0.00025S", "1ns|PT0.000000001S", "10 s|PT10S", "5MS|PT0.005S" })
    void durations(final String text, final String iso)
    {
        assertEquals(Duration.parse(iso), parse("--duration", text).duration);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "65536|65536", "64KiB|65536", "32MiB|33554432", "32m|33554432", "1 GiB|1073741824", "8|8",
        "2147483647|2147483647" })
    void sizes(final String text, final int bytes)
    {
        assertEquals(bytes, parse("--capacity", text).capacity);
    }

    @Test
    void badValuesNameTheOptionAndQuoteTheText()
    {
        assertEquals("Invalid value for option '--duration': '5' is not a duration: use a whole number and ns, us, " +
            "ms, s or m (minutes), e.g. 500us, 100ms or 2m", error("--duration", "5"));
        assertTrue(error("--duration", "3h").startsWith("Invalid value for option '--duration': '3h' has an unknown " +
            "unit 'h'"), error("--duration", "3h"));
        assertEquals("Invalid value for option '--duration': '0s': the duration must be positive",
            error("--duration", "0s"));
        assertEquals("Invalid value for option '--capacity': 'lots' is not a size: use a whole number of bytes, " +
            "or of KiB, MiB or GiB, e.g. 65536 or 32MiB", error("--capacity", "lots"));
        assertEquals("Invalid value for option '--capacity': '2GiB': the size must be from 1 byte to 2147483647 bytes",
            error("--capacity", "2GiB"));
        assertEquals("Invalid value for option '--capacity': '0': the size must be from 1 byte to 2147483647 bytes",
            error("--capacity", "0"));
    }

    @Test
    void theOrZeroConverterTakesZeroAndStillRefusesWhatIsNotADuration()
    {
        final DurationConverter.OrZero orZero = new DurationConverter.OrZero();
        assertEquals(Duration.ZERO, orZero.convert("0s"));
        assertEquals(Duration.ofMillis(250), orZero.convert("250ms"));
        final CommandLine.TypeConversionException bad =
            assertThrows(CommandLine.TypeConversionException.class, () -> orZero.convert("soon"));
        assertTrue(bad.getMessage().contains("'soon'"), bad.getMessage());
    }

    @Test
    void formatReadsBack()
    {
        for (final Duration duration : new Duration[]{Duration.ofMillis(1500), Duration.ofSeconds(30),
            Duration.ofNanos(7), Duration.ofMinutes(3)})
        {
            assertEquals(duration, new DurationConverter().convert(DurationConverter.format(duration)));
        }
        assertEquals("30s", DurationConverter.format(Duration.ofSeconds(30)));
        assertEquals("1500ms", DurationConverter.format(Duration.ofMillis(1500)));
    }
}

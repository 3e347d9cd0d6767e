package io.shmipc.tools;

import picocli.CommandLine;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses byte sizes such as {@code 65536}, {@code 64KiB}, {@code 32MiB} or {@code 1GiB} (binary units; {@code k},
 * {@code m}, {@code g} are accepted as the same). The result must fit an {@code int}; zero and negative sizes are
 * rejected. Whether a size is acceptable for a queue (a multiple of 8, its range) is checked by the channel.
 */
final class SizeConverter implements CommandLine.ITypeConverter<Integer>
{
    private static final Pattern FORMAT = Pattern.compile("\\s*(\\d{1,10})\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)\\s*");

    public Integer convert(final String value)
    {
        final Matcher matcher = FORMAT.matcher(value.toLowerCase(Locale.ROOT));
        if (!matcher.matches())
        {
            throw new CommandLine.TypeConversionException(
                "'" + value + "' is not a size: use a whole number of bytes, or KiB, MiB or GiB, e.g. 32MiB");
        }
        final long amount = Long.parseLong(matcher.group(1));
        final String unit = matcher.group(2);
        final long bytes = amount << (unit.startsWith("g") ? 30 : unit.startsWith("m") ? 20 : unit.startsWith("k") ? 10 : 0);
        if (bytes <= 0 || bytes > Integer.MAX_VALUE)
        {
            throw new CommandLine.TypeConversionException("'" + value + "': the size must be from 1 byte to " +
                Integer.MAX_VALUE + " bytes");
        }
        return (int)bytes;
    }
}

package io.shmipc.tools.cli;

import io.shmipc.idle.Units;
import picocli.CommandLine;

/**
 * The picocli converter of every byte-size option of {@code shmipc}, {@code shmipc bench} and {@code shmipc bridge}
 * ({@code --capacity}, {@code --term-length}): the grammar of {@link Units#parseSize(String)}, e.g. {@code 65536},
 * {@code 64KiB}, {@code 32MiB}. The result must be from 1 byte to {@link Integer#MAX_VALUE}; whether a size suits
 * its use (a queue's multiple of 8 and range) is checked where it is used. Thread safe.
 */
public final class SizeConverter implements CommandLine.ITypeConverter<Integer>
{
    /**
     * {@inheritDoc}
     *
     * @throws CommandLine.TypeConversionException quoting {@code value} if it is not a size or is out of range;
     *                                             picocli adds the option's name.
     */
    public Integer convert(final String value)
    {
        final long bytes;
        try
        {
            bytes = Units.parseSize(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
        if (bytes <= 0 || bytes > Integer.MAX_VALUE)
        {
            throw new CommandLine.TypeConversionException("'" + value + "': the size must be from 1 byte to " +
                Integer.MAX_VALUE + " bytes");
        }
        return (int)bytes;
    }
}

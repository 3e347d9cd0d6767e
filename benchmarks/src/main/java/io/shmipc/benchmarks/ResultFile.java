package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;
import java.util.zip.DataFormatException;

/**
 * What a child process hands back to its parent: a properties file of counters, CPU times and histograms (in
 * HdrHistogram's compressed encoding, base64). Written once at the end of the child's run, read once by the parent.
 */
final class ResultFile
{
    private final Properties properties = new Properties();

    void put(final String key, final long value)
    {
        properties.setProperty(key, Long.toString(value));
    }

    void put(final String key, final String value)
    {
        properties.setProperty(key, value);
    }

    void put(final String key, final Histogram histogram)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        final byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        properties.setProperty(key, Base64.getEncoder().encodeToString(bytes));
    }

    void put(final PhaseClock clock, final String prefix)
    {
        put(prefix + ".wallNanos", clock.wallNanos());
        put(prefix + ".cpuNanos", clock.cpuNanos());
    }

    /**
     * @throws UncheckedIOException if it cannot be written.
     */
    void write(final Path file)
    {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8))
        {
            properties.store(writer, "shmipc benchmark peer result");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + file + ": " + ex, ex);
        }
    }

    /**
     * @throws UncheckedIOException if it cannot be read.
     */
    static ResultFile read(final Path file)
    {
        final ResultFile result = new ResultFile();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            result.properties.load(reader);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the peer's result " + file + ": " + ex, ex);
        }
        return result;
    }

    /**
     * @throws IllegalStateException if the key is missing.
     */
    long getLong(final String key)
    {
        return Long.parseLong(require(key));
    }

    String get(final String key)
    {
        return require(key);
    }

    boolean has(final String key)
    {
        return properties.containsKey(key);
    }

    /**
     * @throws IllegalStateException if the key is missing or does not hold a histogram.
     */
    Histogram histogram(final String key)
    {
        try
        {
            return Histogram.decodeFromCompressedByteBuffer(
                ByteBuffer.wrap(Base64.getDecoder().decode(require(key))), 0);
        }
        catch (final DataFormatException | IllegalArgumentException ex)
        {
            throw new IllegalStateException("peer result holds a corrupt histogram under " + key + ": " + ex, ex);
        }
    }

    /**
     * @return CPU time as a percentage of one core over the phase, 0 if the phase never ran.
     */
    double cpuPercent(final String prefix)
    {
        final long wall = getLong(prefix + ".wallNanos");
        return wall > 0 ? 100.0 * getLong(prefix + ".cpuNanos") / wall : 0.0;
    }

    private String require(final String key)
    {
        final String value = properties.getProperty(key);
        if (null == value)
        {
            throw new IllegalStateException("peer result has no " + key + " (keys: " + properties.keySet() + ")");
        }
        return value;
    }
}

package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PercentilePlotTest
{
    private static final byte[] PNG_SIGNATURE = {(byte)0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path dir;

    @Test
    void writesAPngOfThePlotSizeWithOneLinePerHistogram() throws IOException
    {
        final Path file = dir.resolve("plot.png");
        new PercentilePlot("pingpong round trip, 32 B, idle busy-spin, placement none, pooled over 20 rounds",
            "Intel(R) Xeon(R) Processor, 2 CPUs, Linux 6.18.44-fc-v657, OpenJDK 64-Bit Server VM 17.0.15+6",
            "round-trip latency")
            .line("floor", histogram(150, 100_000))
            .line("shmipc", histogram(180, 100_000))
            .line("empty, skipped", PeerCommand.newHistogram())
            .write(file);
        checkPng(file);
    }

    @Test
    void writesTheAxesWhenEveryHistogramIsEmpty() throws IOException
    {
        final Path file = dir.resolve("empty.png");
        new PercentilePlot("nothing measured", "no machine", "latency").line("none", PeerCommand.newHistogram())
            .write(file);
        checkPng(file);
    }

    @Test
    void aTitleTooLongForTheWidthIsSetSmallerUntilItFits()
    {
        final String shortTitle = "calls round trip";
        assertEquals(16, PercentilePlot.fitted(shortTitle, Font.BOLD, 16).getSize(), "a short title keeps its size");
        final String longTitle = "calls round trip, 8 calling threads, by reader idle strategy; machine: Intel(R) " +
            "Xeon(R) Processor, 2 CPUs (2 physical cores, no SMT siblings, allowed CPUs 0-1), Linux 6.18";
        final Font font = PercentilePlot.fitted(longTitle, Font.BOLD, 16);
        assertTrue(font.getSize() < 16, "smaller: " + font);
        assertTrue(PercentilePlot.width(longTitle, font) <= PercentilePlot.WIDTH - 40,
            "fits: " + PercentilePlot.width(longTitle, font));
    }

    @Test
    void theXAxisCountsNines()
    {
        assertEquals("0%", PercentilePlot.percentLabel(0));
        assertEquals("90%", PercentilePlot.percentLabel(1));
        assertEquals("99%", PercentilePlot.percentLabel(2));
        assertEquals("99.9%", PercentilePlot.percentLabel(3));
        assertEquals("99.9999%", PercentilePlot.percentLabel(6));
        assertEquals("", PercentilePlot.percentLabel(2.5), "between whole nines");
    }

    private static void checkPng(final Path file) throws IOException
    {
        assertTrue(Files.isRegularFile(file), file + " exists");
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(Files.readAllBytes(file), PNG_SIGNATURE.length),
            "PNG signature");
        final BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " decodes");
        assertEquals(PercentilePlot.WIDTH, image.getWidth(), "width");
        assertEquals(PercentilePlot.HEIGHT, image.getHeight(), "height");
    }

    private static Histogram histogram(final long base, final int count)
    {
        final Histogram histogram = PeerCommand.newHistogram();
        for (int i = 0; i < count; i++)
        {
            // a long tail: most near base, one in ten 10x, one in a thousand 100x
            histogram.recordValue(base + i % 17 + (0 == i % 10 ? 9 * base : 0) + (0 == i % 1000 ? 99 * base : 0));
        }
        return histogram;
    }
}

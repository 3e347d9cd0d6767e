package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Draws a percentile-distribution plot as a PNG with Java2D: latency (log scale) against percentile, where the
 * x axis counts "nines" (0%, 90%, 99%, 99.9%, ...) as HdrHistogram's own plotter does, one line per histogram.
 * Runs headless.
 */
final class PercentilePlot
{
    private static final int WIDTH = 1060;
    private static final int HEIGHT = 620;
    private static final int LEFT = 90;
    private static final int RIGHT = 310;
    private static final int TOP = 70;
    private static final int BOTTOM = 60;
    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    private final String title;
    private final String subtitle;
    private final String yLabel;
    private final Map<String, Histogram> lines = new LinkedHashMap<>();

    /**
     * @param title    the heading.
     * @param subtitle a line under it, e.g. the machine and settings.
     * @param yLabel   what the latency is, e.g. {@code round-trip latency}.
     */
    PercentilePlot(final String title, final String subtitle, final String yLabel)
    {
        this.title = title;
        this.subtitle = subtitle;
        this.yLabel = yLabel;
    }

    /**
     * Add a line. Empty histograms are skipped.
     */
    PercentilePlot line(final String name, final Histogram histogram)
    {
        if (histogram.getTotalCount() > 0)
        {
            lines.put(name, histogram);
        }
        return this;
    }

    /**
     * Render and write the PNG.
     *
     * @throws UncheckedIOException if it cannot be written.
     */
    void write(final Path file)
    {
        System.setProperty("java.awt.headless", "true");
        long maxCount = 10;
        long minValue = Long.MAX_VALUE;
        long maxValue = 1;
        for (final Histogram h : lines.values())
        {
            maxCount = Math.max(maxCount, h.getTotalCount());
            minValue = Math.min(minValue, Math.max(1, h.getMinValue()));
            maxValue = Math.max(maxValue, h.getMaxValue());
        }
        if (Long.MAX_VALUE == minValue)
        {
            minValue = 1;
        }
        final int nines = (int)Math.max(2, Math.min(6, Math.floor(Math.log10(maxCount))));
        final double yMin = Math.floor(Math.log10(minValue));
        final double yMax = Math.max(yMin + 1, Math.ceil(Math.log10(maxValue)));

        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            final int plotW = WIDTH - LEFT - RIGHT;
            final int plotH = HEIGHT - TOP - BOTTOM;

            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString(title, LEFT, 28);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(subtitle, LEFT, 50);

            final Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            g.setFont(tickFont);
            for (int decade = (int)yMin; decade <= (int)yMax; decade++)
            {
                for (final int mantissa : new int[]{1, 2, 5})
                {
                    final double log = decade + Math.log10(mantissa);
                    if (log > yMax + 1e-9)
                    {
                        continue;
                    }
                    final int y = TOP + plotH - (int)Math.round((log - yMin) / (yMax - yMin) * plotH);
                    g.setColor(1 == mantissa ? new Color(0xCCCCCC) : new Color(0xEEEEEE));
                    g.drawLine(LEFT, y, LEFT + plotW, y);
                    g.setColor(Color.DARK_GRAY);
                    final String label = tickLabel(mantissa, decade);
                    g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
                }
            }
            for (int n = 0; n <= nines; n++)
            {
                final int x = LEFT + (int)Math.round((double)n / nines * plotW);
                g.setColor(new Color(0xCCCCCC));
                g.drawLine(x, TOP, x, TOP + plotH);
                g.setColor(Color.DARK_GRAY);
                final String label = percentLabel(n);
                g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 18);
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, plotW, plotH);
            g.drawString("percentile", LEFT + plotW / 2 - 30, HEIGHT - 18);
            final Graphics2D rotated = (Graphics2D)g.create();
            rotated.rotate(-Math.PI / 2);
            final String axis = yLabel + " (log scale)";
            rotated.drawString(axis, -(TOP + plotH / 2 + rotated.getFontMetrics().stringWidth(axis) / 2), 20);
            rotated.dispose();

            int index = 0;
            for (final Map.Entry<String, Histogram> e : lines.entrySet())
            {
                final Color color = COLORS[index % COLORS.length];
                final Path2D.Double path = new Path2D.Double();
                boolean first = true;
                for (final HistogramIterationValue v : e.getValue().percentiles(5))
                {
                    final double percentile = v.getPercentileLevelIteratedTo();
                    final double x = percentile >= 100.0 ? nines : Math.min(nines, -Math.log10(1 - percentile / 100.0));
                    final double value = Math.max(1, v.getValueIteratedTo());
                    final double px = LEFT + x / nines * plotW;
                    final double py = TOP + plotH - (Math.log10(value) - yMin) / (yMax - yMin) * plotH;
                    if (first)
                    {
                        path.moveTo(px, py);
                        first = false;
                    }
                    else
                    {
                        path.lineTo(px, py);
                    }
                }
                g.setColor(color);
                g.setStroke(new BasicStroke(2.2f));
                g.draw(path);
                final int ly = TOP + 10 + index * 22;
                g.drawLine(LEFT + plotW + 15, ly, LEFT + plotW + 40, ly);
                g.setColor(Color.BLACK);
                g.drawString(e.getKey() + " (p50 " + Latency.compact(e.getValue().getValueAtPercentile(50)) + ")",
                    LEFT + plotW + 46, ly + 4);
                index++;
            }
        }
        finally
        {
            g.dispose();
        }
        try
        {
            if (!ImageIO.write(image, "png", file.toFile()))
            {
                throw new IOException("no PNG writer available");
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write the plot " + file + ": " + ex, ex);
        }
    }

    private static String tickLabel(final int mantissa, final int decade)
    {
        final String[] units = {"ns", "us", "ms", "s"};
        final int unit = Math.min(units.length - 1, Math.max(0, decade / 3));
        final long value = Math.round(mantissa * Math.pow(10, decade - 3 * unit));
        return value + " " + units[unit];
    }

    private static String percentLabel(final int nines)
    {
        switch (nines)
        {
            case 0: return "0%";
            case 1: return "90%";
            case 2: return "99%";
            default: return "99." + "9".repeat(nines - 2) + "%";
        }
    }
}

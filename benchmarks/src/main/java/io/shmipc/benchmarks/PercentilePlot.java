package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A percentile-distribution plot, drawn by XChart into a {@value #WIDTH} x {@value #HEIGHT} PNG: latency on a log
 * axis against percentile, where the x axis counts "nines" (0%, 90%, 99%, 99.9%, ...) as HdrHistogram's own
 * plotter does, one line per histogram with its p50 in the legend. The title and the subtitle under it are set in
 * the largest font (up to their normal size) with which they fit the width. Runs headless; not thread safe.
 */
final class PercentilePlot
{
    static final int WIDTH = 1060;
    static final int HEIGHT = 620;

    private static final int TITLE_SIZE = 16;
    private static final int SUBTITLE_SIZE = 12;
    private static final int MIN_FONT_SIZE = 8;
    private static final int MARGIN = 20;
    /** Distance of the subtitle's centre from the top of the image: under the title, in its padding. */
    private static final int SUBTITLE_FROM_TOP = 70;
    private static final FontRenderContext TEXT = new FontRenderContext(null, true, true);

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
     * Render and write the PNG (also when every line was empty: then the axes alone).
     *
     * @throws UncheckedIOException if it cannot be written.
     */
    void write(final Path file)
    {
        System.setProperty("java.awt.headless", "true");
        try
        {
            BitmapEncoder.saveBitmap(chart(), file.toString(), BitmapEncoder.BitmapFormat.PNG);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write the plot " + file + ": " + ex, ex);
        }
    }

    private XYChart chart()
    {
        long maxCount = 10;
        long minNanos = Long.MAX_VALUE;
        long maxNanos = 1;
        for (final Histogram h : lines.values())
        {
            maxCount = Math.max(maxCount, h.getTotalCount());
            minNanos = Math.min(minNanos, Math.max(1, h.getMinValue()));
            maxNanos = Math.max(maxNanos, h.getMaxValue());
        }
        minNanos = Long.MAX_VALUE == minNanos ? 1 : minNanos;
        final int nines = (int)Math.max(2, Math.min(6, Math.floor(Math.log10(maxCount))));

        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
            .xAxisTitle("percentile").yAxisTitle(yLabel + " (us, log scale)").build();
        final XYStyler styler = chart.getStyler();
        styler.setChartTitleFont(fitted(title, Font.BOLD, TITLE_SIZE));
        styler.setChartTitlePadding(SUBTITLE_SIZE + 16);
        styler.setAnnotationTextFont(fitted(subtitle, Font.PLAIN, SUBTITLE_SIZE));
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setYAxisLogarithmic(true);
        styler.setYAxisDecimalPattern("#,##0.###");
        // whole decades, so the log axis has a labelled tick at each end
        styler.setYAxisMin(Math.pow(10, Math.floor(Math.log10(minNanos / 1e3))));
        styler.setYAxisMax(Math.pow(10, Math.max(Math.ceil(Math.log10(maxNanos / 1e3)),
            Math.floor(Math.log10(minNanos / 1e3)) + 1)));
        styler.setXAxisMin(0.0);
        styler.setXAxisMax((double)nines);
        chart.setCustomXAxisTickLabelsFormatter(PercentilePlot::percentLabel);
        // in screen space, y counts from the bottom
        chart.addAnnotation(new AnnotationText(subtitle, WIDTH / 2.0, HEIGHT - SUBTITLE_FROM_TOP, true));

        for (final Map.Entry<String, Histogram> e : lines.entrySet())
        {
            final List<Double> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            for (final HistogramIterationValue v : e.getValue().percentiles(5))
            {
                final double percentile = v.getPercentileLevelIteratedTo();
                x.add(percentile >= 100.0 ? nines : Math.min(nines, -Math.log10(1 - percentile / 100.0)));
                y.add(Math.max(1, v.getValueIteratedTo()) / 1e3);
            }
            final XYSeries series = chart.addSeries(e.getKey() + " (p50 " +
                Latency.compact(e.getValue().getValueAtPercentile(50)) + ")", x, y);
            series.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /**
     * @return the font of the style and the largest size up to {@code size} (at least {@value #MIN_FONT_SIZE})
     * with which the text fits the plot's width less its margins.
     */
    static Font fitted(final String text, final int style, final int size)
    {
        Font font = new Font(Font.SANS_SERIF, style, size);
        for (int s = size - 1; s >= MIN_FONT_SIZE && width(text, font) > WIDTH - 2 * MARGIN; s--)
        {
            font = font.deriveFont((float)s);
        }
        return font;
    }

    /**
     * @return the width of the text set in the font, in pixels.
     */
    static double width(final String text, final Font font)
    {
        return font.getStringBounds(text, TEXT).getWidth();
    }

    /**
     * @return the label of the x axis at {@code nines}: 0 is 0%, 1 is 90%, 2 is 99%, 3 is 99.9%, ...; empty between
     * whole nines, whose grid lines stay unlabelled.
     */
    static String percentLabel(final double nines)
    {
        final long whole = Math.round(nines);
        if (Math.abs(nines - whole) > 1e-6 || whole < 0)
        {
            return "";
        }
        return whole < 2 ? (0 == whole ? "0%" : "90%") : "99" + (whole > 2 ? "." + "9".repeat((int)whole - 2) : "") +
            "%";
    }
}

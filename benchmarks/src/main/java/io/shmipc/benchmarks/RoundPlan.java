package io.shmipc.benchmarks;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What a round-method run does, written by the parent to a file both child processes read: the variants (each a
 * floor slot or a ring segment, with its message size, idle strategy and reader rule), how they are grouped for
 * comparison, the number of rounds, the length of each variant's slice of a round, its settle time (run but not
 * recorded, right after each switch), the warm-up, and for wake-up runs the quiet time, samples and gap per slice.
 * Mutable while the parent builds it.
 */
final class RoundPlan
{
    /** One variant. */
    static final class Variant
    {
        /** Name in reports: floor, floor-b, shmipc, shmipc-headers, agrona, "wait" ... */
        String name;
        /** Kind of the two-line floor ({@link FloorVariant}), which takes floor slots {@code slot} and the next. */
        static final String FLOOR_2LINE = "floor-2line";
        /**
         * Kind of the layout's floor ({@link LayoutFloor}): a floor on a SimpleIPC v1 segment of its own, polling
         * writePos, or block headers with {@link #trustWriter}.
         */
        static final String FLOOR_SPEC = "floor-spec";

        /** floor, floor-2line, floor-spec or ring. */
        String kind = "ring";
        /** For rings: shmipc or agrona (the segment layout). */
        String layout = "shmipc";
        int slot;
        int size = 32;
        String idle = "busy-spin";
        boolean trustWriter;
        /** Throughput producer, shmipc only: messages appended per publish (1: one write per message). */
        int batch = 1;
        boolean signals;
        /**
         * Class path (a jar of another shmipc build) the variant's classes come from, or null for this JVM's: a
         * baseline measured on the same threads in the same run as this build.
         */
        String classPath;
        /** Set by {@link PairRun}: the segment's path. */
        String segment;
        /** Set by {@link PairRun} when {@link #signals}: the semaphore the pinger/producer posts. */
        String signalRequest;
        /** Set by {@link PairRun} when {@link #signals}: the semaphore the ponger/consumer posts. */
        String signalResponse;

        Variant(final String name)
        {
            this.name = name;
        }

        static Variant floor(final String name, final int slot)
        {
            final Variant v = new Variant(name);
            v.kind = "floor";
            v.slot = slot;
            return v;
        }

        static Variant ring(final String name, final String layout, final int size, final String idle)
        {
            final Variant v = new Variant(name);
            v.layout = layout;
            v.size = size;
            v.idle = idle;
            return v;
        }

        /**
         * @return the two-line floor: a floor whose data and position lines take slots {@code slot} and the next.
         */
        static Variant floor2Line(final String name, final int slot)
        {
            final Variant v = floor(name, slot);
            v.kind = FLOOR_2LINE;
            return v;
        }

        /**
         * @return the layout's floor (see {@link #FLOOR_SPEC}) named {@code name}, on a segment like a ring's.
         */
        static Variant floorSpec(final String name, final int size, final boolean pollHeaders)
        {
            final Variant v = ring(name, "shmipc", size, "busy-spin");
            v.kind = FLOOR_SPEC;
            v.trustWriter = pollHeaders;
            return v;
        }

        /** @return true for the floors on control-file slots (no segment). */
        boolean isFloor()
        {
            return "floor".equals(kind) || FLOOR_2LINE.equals(kind);
        }
    }

    /** pingpong, throughput or wake. */
    String mode = "pingpong";
    final List<Variant> variants = new ArrayList<>();
    /** Variant indices grouped for comparison, see {@link Rounds#order}. */
    int[][] groups;
    int rounds = 20;
    long sliceCount;
    long sliceNanos;
    long settleCount;
    long settleNanos;
    long warmupCount;
    long warmupNanos;
    int warmupPasses = 2;
    long quietNanos;
    long wakeSamples;
    long wakeGapNanos;

    /**
     * @return the variant's index.
     */
    int add(final Variant variant)
    {
        variants.add(variant);
        return variants.size() - 1;
    }

    int indexOf(final String name)
    {
        for (int i = 0; i < variants.size(); i++)
        {
            if (variants.get(i).name.equals(name))
            {
                return i;
            }
        }
        throw new IllegalArgumentException("no variant " + name);
    }

    /**
     * @return a generous upper bound of the run's wall time, assuming no operation takes longer than
     * {@code worstOperationNanos}.
     */
    long boundNanos(final long worstOperationNanos)
    {
        final int n = variants.size();
        final long warm = warmupCount > 0 ? warmupCount * worstOperationNanos : warmupNanos;
        final long slice = sliceCount > 0 ? sliceCount * worstOperationNanos : sliceNanos;
        final long settle = settleCount > 0 ? settleCount * worstOperationNanos : settleNanos;
        final long wake = quietNanos + (wakeSamples + 1) * wakeGapNanos * 2;
        return n * (warm + (long)rounds * (slice + settle + wake + 1_000_000));
    }

    /**
     * @return the planned measuring time, for the report.
     */
    String describe()
    {
        final String slice = sliceCount > 0 ? sliceCount + " ops" : Durations.format(sliceNanos);
        final String warm = warmupCount > 0 ? warmupCount + " ops" : Durations.format(warmupNanos);
        return rounds + " rounds, each variant " + slice + " per round (after " +
            (settleCount > 0 ? settleCount + " ops" : Durations.format(settleNanos)) + " unrecorded), warm-up " +
            warm + " per variant";
    }

    void write(final Path file)
    {
        final Properties p = new Properties();
        p.setProperty("mode", mode);
        p.setProperty("variants", Integer.toString(variants.size()));
        for (int i = 0; i < variants.size(); i++)
        {
            final Variant v = variants.get(i);
            final String k = "variant." + i + ".";
            p.setProperty(k + "name", v.name);
            p.setProperty(k + "kind", v.kind);
            p.setProperty(k + "layout", v.layout);
            p.setProperty(k + "slot", Integer.toString(v.slot));
            p.setProperty(k + "size", Integer.toString(v.size));
            p.setProperty(k + "idle", v.idle);
            p.setProperty(k + "trustWriter", Boolean.toString(v.trustWriter));
            p.setProperty(k + "batch", Integer.toString(v.batch));
            p.setProperty(k + "signals", Boolean.toString(v.signals));
            if (null != v.segment)
            {
                p.setProperty(k + "segment", v.segment);
            }
            if (null != v.classPath)
            {
                p.setProperty(k + "classPath", v.classPath);
            }
            if (null != v.signalRequest)
            {
                p.setProperty(k + "signalRequest", v.signalRequest);
                p.setProperty(k + "signalResponse", v.signalResponse);
            }
        }
        p.setProperty("groups", groupsText(groups));
        p.setProperty("rounds", Integer.toString(rounds));
        put(p, "sliceCount", sliceCount);
        put(p, "sliceNanos", sliceNanos);
        put(p, "settleCount", settleCount);
        put(p, "settleNanos", settleNanos);
        put(p, "warmupCount", warmupCount);
        put(p, "warmupNanos", warmupNanos);
        put(p, "warmupPasses", warmupPasses);
        put(p, "quietNanos", quietNanos);
        put(p, "wakeSamples", wakeSamples);
        put(p, "wakeGapNanos", wakeGapNanos);
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8))
        {
            p.store(writer, "shmipc round-method plan");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + file + ": " + ex, ex);
        }
    }

    static RoundPlan read(final Path file)
    {
        final Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            p.load(reader);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file + ": " + ex, ex);
        }
        final RoundPlan plan = new RoundPlan();
        plan.mode = p.getProperty("mode");
        final int n = Integer.parseInt(p.getProperty("variants"));
        for (int i = 0; i < n; i++)
        {
            final String k = "variant." + i + ".";
            final Variant v = new Variant(p.getProperty(k + "name"));
            v.kind = p.getProperty(k + "kind");
            v.layout = p.getProperty(k + "layout");
            v.slot = Integer.parseInt(p.getProperty(k + "slot"));
            v.size = Integer.parseInt(p.getProperty(k + "size"));
            v.idle = p.getProperty(k + "idle");
            v.trustWriter = Boolean.parseBoolean(p.getProperty(k + "trustWriter"));
            v.batch = Integer.parseInt(p.getProperty(k + "batch", "1"));
            v.signals = Boolean.parseBoolean(p.getProperty(k + "signals"));
            v.segment = p.getProperty(k + "segment");
            v.classPath = p.getProperty(k + "classPath");
            v.signalRequest = p.getProperty(k + "signalRequest");
            v.signalResponse = p.getProperty(k + "signalResponse");
            plan.variants.add(v);
        }
        plan.groups = parseGroups(p.getProperty("groups"));
        plan.rounds = Integer.parseInt(p.getProperty("rounds"));
        plan.sliceCount = get(p, "sliceCount");
        plan.sliceNanos = get(p, "sliceNanos");
        plan.settleCount = get(p, "settleCount");
        plan.settleNanos = get(p, "settleNanos");
        plan.warmupCount = get(p, "warmupCount");
        plan.warmupNanos = get(p, "warmupNanos");
        plan.warmupPasses = (int)get(p, "warmupPasses");
        plan.quietNanos = get(p, "quietNanos");
        plan.wakeSamples = get(p, "wakeSamples");
        plan.wakeGapNanos = get(p, "wakeGapNanos");
        return plan;
    }

    /**
     * @return the options {@link VariantFactory} takes for variant i, without role, control and signals.
     */
    Map<String, String> options(final int i)
    {
        final Variant v = variants.get(i);
        final Map<String, String> options = new LinkedHashMap<>();
        options.put("kind", v.kind);
        options.put("mode", mode);
        options.put("slot", Integer.toString(v.slot));
        options.put("size", Integer.toString(v.size));
        options.put("idle", v.idle);
        options.put("trustWriter", Boolean.toString(v.trustWriter));
        options.put("batch", Integer.toString(v.batch));
        if (null != v.segment)
        {
            options.put("segment", v.segment);
        }
        return options;
    }

    static String groupsText(final int[][] groups)
    {
        final StringBuilder sb = new StringBuilder();
        for (int g = 0; g < groups.length; g++)
        {
            if (g > 0)
            {
                sb.append(';');
            }
            for (int m = 0; m < groups[g].length; m++)
            {
                if (m > 0)
                {
                    sb.append(',');
                }
                sb.append(groups[g][m]);
            }
        }
        return sb.toString();
    }

    static int[][] parseGroups(final String text)
    {
        final String[] parts = text.split(";");
        final int[][] groups = new int[parts.length][];
        for (int g = 0; g < parts.length; g++)
        {
            final String[] members = parts[g].split(",");
            groups[g] = new int[members.length];
            for (int m = 0; m < members.length; m++)
            {
                groups[g][m] = Integer.parseInt(members[m].trim());
            }
        }
        return groups;
    }

    private static void put(final Properties p, final String key, final long value)
    {
        p.setProperty(key, Long.toString(value));
    }

    private static long get(final Properties p, final String key)
    {
        return Long.parseLong(p.getProperty(key, "0"));
    }
}

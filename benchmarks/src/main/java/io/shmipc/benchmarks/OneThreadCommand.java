package io.shmipc.benchmarks;

import io.shmipc.tools.cli.DurationConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongUnaryOperator;
import java.util.zip.ZipFile;

/**
 * {@code bench one-thread}: the ring's own cost, free of cross-core traffic and of placement: one thread writes a
 * burst of messages and reads it back ({@link OneThreadRing}, JMH's {@code writeThenRead} loop), with the round method
 * in one JVM. Every variant (shmipc, shmipc-headers with its consumer polling block headers, Agrona, a second Agrona
 * in a loader of its own as the self-check, and another build's shmipc with {@code --baseline-jar}) is warmed up, then
 * runs once per round for {@code --round}, in a rotating order, and each round's rate is divided by Agrona's of the
 * same round. JMH's forks cannot pair two rings like this; its errors here (10-40%) hid a 20% regression that this
 * shows with an IQR under 1%.
 */
@Command(name = "one-thread", mixinStandardHelpOptions = true,
    description = {"Write-then-read in one thread (bursts of 16), shmipc against Agrona's OneToOneRingBuffer in " +
        "one JVM, interleaved in short rounds, each variant in a class loader of its own; the ratio is the median " +
        "over rounds of each round's rate ratio, with its interquartile range. shmipc-headers: the same ring with " +
        "its consumer polling block headers (trustPeer), whose producer does more per message. agrona-b, a second " +
        "copy of Agrona's ring, is the self-check: its ratio must be within 1.00 +- 0.05.",
        "One thread busy-runs (100%% of a core) while a run lasts."})
final class OneThreadCommand implements Callable<Integer>
{
    /** The reference every rate is divided by. */
    static final String AGRONA = "agrona";

    /** The self-check: the reference again, in a loader of its own. */
    static final String AGRONA_B = "agrona-b";

    /** The self-check's verdict when it passed, as the JSON's {@code selfCheck} gives it. */
    static final String SELF_CHECK_PASSED = "passed";

    /** The self-check's tolerance around 1.00. */
    static final double SELF_CHECK_TOLERANCE = 0.05;

    /** Round-robin slices of {@code --round} each variant runs before the measured rounds. */
    static final int WARMUP_SLICES = 12;

    /** Fewest rounds that give a median and quartiles. */
    static final int MIN_ROUNDS = 3;

    /** The JSON of a run (fields in docs/benchmarks.md). */
    record Result(String command, String method, Machine machine, Settings settings, List<SizeResult> sizes)
    {
    }

    record Settings(int rounds, long roundNanos, int warmupSlices, int burst, int ringCapacity, String baselineJar)
    {
    }

    /** One message size: each variant's nanoseconds per message and each variant's rate over Agrona's. */
    record SizeResult(int messageBytes, List<VariantResult> variants, List<RatioResult> ratios, String selfCheck,
        String goalAtLeastAgrona)
    {
    }

    /** Median over rounds of nanoseconds per message (write and read), its quartiles and each round's value. */
    record VariantResult(String name, Rounds.Quartiles nanosPerMessage, List<Double> perRound)
    {
    }

    /** The variant's rate over Agrona's in the same round: median, quartiles, each round's ratio. */
    record RatioResult(String name, Rounds.Quartiles toAgrona, List<Double> perRound)
    {
    }

    @Option(names = "--sizes", paramLabel = "BYTES", split = ",", defaultValue = "32,256,1024",
        description = "Message sizes in bytes, comma separated (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "16",
        description = "Measured rounds per size; each runs every variant once (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--round", paramLabel = "TIME", defaultValue = "250ms", converter = DurationConverter.class,
        description = "How long each variant runs in a round (default: ${DEFAULT-VALUE}).")
    Duration round;

    @Option(names = "--baseline-jar", paramLabel = "JAR",
        description = "Another build's benchmarks jar (or core jar; Agrona then comes from this build): its shmipc " +
            "ring runs too, as shmipc@baseline, in the same rounds.")
    Path baselineJar;

    @Option(names = "--forks", paramLabel = "N", defaultValue = "1",
        description = "Run in N fresh JVMs, one after the other, and give every ratio as the median over the forks " +
            "of each fork's median, with the forks' range: each JVM settles in its own compiled code, and at 1024 B " +
            "one build measured 0.96x to 1.07x Agrona from one JVM to the next (default: ${DEFAULT-VALUE}, this JVM).")
    int forks;

    @Option(names = "--jvm-opt", paramLabel = "OPTION",
        description = "With --forks: a JVM option for every fork (repeatable), after the flag Agrona needs.")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /**
     * {@inheritDoc}
     */
    public Integer call()
    {
        ThroughputCommand.checkSizes(sizes);
        if (rounds < MIN_ROUNDS)
        {
            throw new IllegalArgumentException("--rounds: " + rounds + " is fewer than " + MIN_ROUNDS);
        }
        checkBaselineJar(baselineJar);
        if (forks < 1 || forks > ThroughputCommand.MAX_FORKS)
        {
            throw new IllegalArgumentException("--forks: " + forks + " is outside 1.." + ThroughputCommand.MAX_FORKS);
        }
        if (1 == forks && !jvmOptions.isEmpty())
        {
            throw new IllegalArgumentException("--jvm-opt " + jvmOptions.get(0) + ": needs --forks above 1 (without " +
                "forks the run is in this JVM)");
        }
        if (forks > 1)
        {
            return callForked();
        }
        final List<String> names = variantNames();
        final Machine machine = Machine.describe(ManagementFactory.getRuntimeMXBean().getInputArguments());
        final PrintStream out = System.out;
        out.printf(Locale.ROOT, "one thread writes %d messages then reads them, ring capacity %d bytes; %d rounds, " +
            "each variant %d ms per round after %d warm-up slices; each variant in a class loader of its own%n",
            OneThreadRing.BURST, OneThreadRing.CAPACITY, rounds, round.toMillis(), WARMUP_SLICES);
        out.println("machine: " + machine.brief() + ", " + machine.jdk() + "; JVM options: " + machine.jvmOptions());
        final List<SizeResult> results = new ArrayList<>();
        for (final int size : sizes)
        {
            results.add(measure(names, size, out));
        }
        if (null != json)
        {
            Json.write(json, new Result("one-thread", "rounds", machine, new Settings(rounds, round.toNanos(),
                WARMUP_SLICES, OneThreadRing.BURST, OneThreadRing.CAPACITY,
                null == baselineJar ? null : baselineJar.toString()), results));
            out.println("wrote " + json);
        }
        return 0;
    }

    /**
     * The self-check's verdict on agrona-b / agrona, of one run or over the forks.
     *
     * @return {@link #SELF_CHECK_PASSED}, or a text that starts with "NOT passed".
     */
    static String selfCheckText(final Rounds.Spread agronaB)
    {
        return Rounds.withinOfOne(agronaB, SELF_CHECK_TOLERANCE) ?
            SELF_CHECK_PASSED : "NOT passed: the method cannot resolve 5% on this machine now";
    }

    /** The variants of every round, Agrona's among them. */
    private List<String> variantNames()
    {
        final List<String> names = new ArrayList<>(
            List.of(OneThreadRing.SHMIPC, OneThreadRing.SHMIPC_HEADERS, AGRONA, AGRONA_B));
        if (null != baselineJar)
        {
            names.add("shmipc" + PingPongCommand.BASELINE);
        }
        return names;
    }

    private Integer callForked()
    {
        final List<String> args = new ArrayList<>(List.of("--sizes",
            String.join(",", sizes.stream().map(String::valueOf).toList()), "--rounds", Integer.toString(rounds),
            "--round", DurationConverter.format(round)));
        if (null != baselineJar)
        {
            args.addAll(List.of("--baseline-jar", baselineJar.toAbsolutePath().toString()));
        }
        final long roundsNanos =
            sizes.size() * (long)(WARMUP_SLICES + rounds) * variantNames().size() * round.toNanos();
        final OneThreadForks.Forked run = OneThreadForks.run(forks, jvmOptions, args, roundsNanos, System.out);
        if (null != json)
        {
            Json.write(json, run);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private SizeResult measure(final List<String> names, final int size, final PrintStream out)
    {
        final int count = names.size();
        final LongUnaryOperator[] variants = new LongUnaryOperator[count];
        for (int v = 0; v < count; v++)
        {
            variants[v] = create(names.get(v), size);
        }
        final long slice = round.toNanos();
        for (int w = 0; w < WARMUP_SLICES; w++)
        {
            for (final LongUnaryOperator variant : variants)
            {
                variant.applyAsLong(slice);
            }
        }
        final double[][] nanosPerMessage = new double[count][rounds];
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < count; k++)
            {
                final int v = (k + r) % count;
                final long start = System.nanoTime();
                final long messages = variants[v].applyAsLong(slice);
                nanosPerMessage[v][r] = (System.nanoTime() - start) / (double)messages;
            }
        }
        final int agrona = names.indexOf(AGRONA);
        final List<VariantResult> variantResults = new ArrayList<>();
        final List<RatioResult> ratioResults = new ArrayList<>();
        out.printf(Locale.ROOT, "%n%d bytes%n%-18s %-30s %s%n", size, "variant", "ns per message, median (IQR)",
            "rate / agrona's in the same round, median (IQR)");
        Rounds.Spread selfCheck = null;
        Rounds.Spread shmipc = null;
        for (int v = 0; v < count; v++)
        {
            final Rounds.Spread own = Rounds.spread(nanosPerMessage[v]);
            // a rate ratio: agrona's time per message over this variant's, round by round
            final double[] ratios = Rounds.ratios(nanosPerMessage[agrona], nanosPerMessage[v]);
            final Rounds.Spread ratio = Rounds.spread(ratios);
            variantResults.add(new VariantResult(names.get(v), Rounds.Quartiles.of(own),
                Rounds.significant(nanosPerMessage[v])));
            ratioResults.add(new RatioResult(names.get(v), Rounds.Quartiles.of(ratio), Rounds.significant(ratios)));
            out.printf(Locale.ROOT, "%-18s %-30s %s%n", names.get(v), String.format(Locale.ROOT,
                "%.2f (IQR %.2f-%.2f)", own.median, own.q1, own.q3), ratio.format());
            if (AGRONA_B.equals(names.get(v)))
            {
                selfCheck = ratio;
            }
            else if (OneThreadRing.SHMIPC.equals(names.get(v)))
            {
                shmipc = ratio;
            }
        }
        final String selfCheckText = selfCheckText(selfCheck);
        final String goal = Rounds.atLeast(shmipc, 1.0).text;
        out.printf(Locale.ROOT, "self-check %s / %s: %s (within 1.00 +- %.2f)%n", AGRONA_B, AGRONA, selfCheckText,
            SELF_CHECK_TOLERANCE);
        out.printf(Locale.ROOT, "goal shmipc >= 1.00 x agrona (one thread): %s (median %.2f, IQR %.2f-%.2f)%n", goal,
            shmipc.median, shmipc.q1, shmipc.q3);
        return new SizeResult(size, variantResults, ratioResults, selfCheckText, goal);
    }

    /**
     * @throws IllegalArgumentException unless the file is a jar holding a shmipc ring (under any of its package
     * names: unlike {@code pingpong}'s, this baseline needs no round-method classes).
     */
    static void checkBaselineJar(final Path jar)
    {
        if (null == jar)
        {
            return;
        }
        if (!Files.isRegularFile(jar))
        {
            throw new IllegalArgumentException("--baseline-jar " + jar + ": no such file");
        }
        try (ZipFile zip = new ZipFile(jar.toFile()))
        {
            for (final String ring : OneThreadRing.SHMIPC_RING_CLASSES)
            {
                if (null != zip.getEntry(ring.replace('.', '/') + ".class"))
                {
                    return;
                }
            }
            throw new IllegalArgumentException("--baseline-jar " + jar + ": has no shmipc ring (" +
                String.join(", ", OneThreadRing.SHMIPC_RING_CLASSES) + ")");
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("--baseline-jar " + jar + ": cannot read it as a jar: " +
                ex.getMessage());
        }
    }

    private LongUnaryOperator create(final String name, final int size)
    {
        final boolean baseline = name.endsWith(PingPongCommand.BASELINE);
        final VariantLoader loader = baseline ? VariantLoader.over(name, baselineJar.toAbsolutePath().toString()) :
            VariantLoader.newLoader(name);
        final String kind = name.startsWith(AGRONA) ? AGRONA :
            baseline ? OneThreadRing.SHMIPC : name;
        try
        {
            final Class<?> type = Class.forName(OneThreadRing.class.getName(), true, loader);
            return (LongUnaryOperator)type.getConstructor(String.class, int.class).newInstance(kind, size);
        }
        catch (final InvocationTargetException ex)
        {
            throw new IllegalStateException("cannot create variant " + name + ": " + ex.getCause(), ex.getCause());
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException("cannot create variant " + name + ": " + ex, ex);
        }
    }
}

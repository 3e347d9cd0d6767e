package io.shmipc.benchmarks;

import io.shmipc.idle.IdleStrategies;
import io.shmipc.tools.cli.DurationConverter;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

/**
 * {@code bench pingpong}: round trips between two processes through the raw cache-line floor, our ring with the
 * SimpleIPC v1 reader rule, our ring with readers that poll block headers, and Agrona's {@code OneToOneRingBuffer},
 * all on the same two threads of the same two processes, interleaved in short rounds (the round method, see
 * {@link Rounds}). Reports the median over rounds of each round's ratio to the floor and to Agrona, with the
 * interquartile range, and the pooled histograms. {@code --self-check} runs two floors against each other instead.
 */
@Command(name = "pingpong", mixinStandardHelpOptions = true,
    description = {"Round-trip latency between two processes: the cache-line floor, the two-line floor, the " +
        "layout's floor (a minimal ring with the SimpleIPC v1 bytes, for each reading rule), the shmipc " +
        "ring (spec reader rule and header polling) and Agrona's OneToOneRingBuffer, interleaved in short rounds " +
        "on the same two threads; reports the median over rounds of each round's ratio, with its interquartile range.",
        "Busy-spinning burns 100%% of a core on each side while it runs. Exit code 3: --self-check found the method " +
            "not good enough on this machine."})
final class PingPongCommand implements Callable<Integer>
{
    /**
     * The two-line floor's variant name: the least a SimpleIPC v1 reader can cost (the block and writePos on two
     * cache lines, see {@link FloorVariant}).
     */
    static final String FLOOR_2LINE = RoundPlan.Variant.FLOOR_2LINE;

    /**
     * The layout's floor, spec rule and header polling: a minimal ring that keeps the SimpleIPC v1 bytes (see
     * {@link LayoutFloor}); a goal this floor does not meet, a minimal ring with these bytes misses on this machine.
     * It is not a proven bound: ordering its stores as Agrona's does took the header-polling ring 10-15% under it on an
     * AMD VM (docs/benchmarks.md).
     */
    static final String FLOOR_SPEC = RoundPlan.Variant.FLOOR_SPEC;
    static final String FLOOR_SPEC_HEADERS = FLOOR_SPEC + "-headers";

    /** Suffix of the variants whose classes come from {@code --baseline-jar}. */
    static final String BASELINE = "@baseline";

    static final int MIN_SIZE = 16;
    static final int MAX_SIZE = 64 * 1024;
    /** Exit code of {@code --self-check} when floor / floor is not within 1 +- {@link #SELF_CHECK_TOLERANCE}. */
    static final int EXIT_SELF_CHECK_FAILED = 3;
    /** Tolerance of the self-check on the median ratio. */
    static final double SELF_CHECK_TOLERANCE = 0.05;
    /** Percentiles (indices into {@link Rounds#PERCENTILES}) the goals and the self-check judge: p50 and p99. */
    static final int P50 = 0;
    static final int P99 = 2;
    /** Below this CPU share in a round a busy-spinning measuring thread was descheduled; the round is left out. */
    static final double MIN_SPIN_CPU_PERCENT = 90;
    /** Fewest rounds with which a run is judged. */
    static final int MIN_ROUNDS = 3;

    /**
     * The JSON of a run (fields in docs/benchmarks.md).
     */
    record Result(String command, String method, Machine machine, Settings settings, List<Variant> variants,
        Map<String, Ratio> ratios, Goals goal, String plot)
    {
    }

    record Settings(int messageBytes, String idle, String placement, boolean selfCheck, int rounds, int roundsUsed,
        List<Double> lowestCpuPercentPerRound, String plan, int ringCapacity)
    {
    }

    /**
     * One variant, pooled over the rounds used, with its per-round spreads and CPU (percent of a core).
     */
    record Variant(@Json.Inline Latency.Summary latency, String hgrm, Map<String, Rounds.Quartiles> perRound,
        double pingerCpuPercent, double pongerCpuPercent)
    {
    }

    /**
     * One ratio's per-round spreads by percentile, and what it is a ratio of.
     */
    record Ratio(@Json.Inline Map<String, Rounds.Quartiles> percentiles, String of)
    {
    }

    /**
     * The verdicts: of the self-check, or of the goals the rings are held to.
     */
    sealed interface Goals permits SelfCheck, RingGoals
    {
    }

    record SelfCheck(boolean descheduled, boolean selfCheckPassed, double tolerance) implements Goals
    {
    }

    /**
     * The goals' verdicts; the same goals judged on the layout's floor in place of the rings (where the floor misses
     * a goal, a minimal ring with these bytes misses it too on this machine); and the spec rule's three goals judged
     * on the two-line floor (where it misses one, no reader bound by the SimpleIPC v1 rule meets it on this machine:
     * it moves two cache lines each way, the position's on one fixed line, and nothing else).
     */
    record RingGoals(boolean descheduled, RoundReport.Goal shmipcP50AtMostAgrona,
        RoundReport.Goal shmipcP99AtMostAgrona, RoundReport.Goal shmipcP50AtMost1_25xFloor,
        RoundReport.Goal shmipcHeadersP50AtMost1_15xFloor, RoundReport.Goal floorSpecP50AtMostAgrona,
        RoundReport.Goal floorSpecP99AtMostAgrona, RoundReport.Goal floorSpecP50AtMost1_25xFloor,
        RoundReport.Goal floorSpecHeadersP50AtMost1_15xFloor, RoundReport.Goal floor2lineP50AtMostAgrona,
        RoundReport.Goal floor2lineP99AtMostAgrona, RoundReport.Goal floor2lineP50AtMost1_25xFloor) implements Goals
    {
    }

    @Mixin
    CommonOptions common;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "32",
        description = "Message size in bytes, " + MIN_SIZE + ".." + MAX_SIZE + " (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--idle", paramLabel = "STRATEGY", defaultValue = "busy-spin",
        description = "Idle strategy of the ring readers, e.g. busy-spin, yield, backoff, wait (default: " +
            "${DEFAULT-VALUE}); the floor always busy-spins. With wait, our writers post only to a sleeping " +
            "reader; Agrona's post every time.")
    String idle;

    @Option(names = "--baseline-jar", paramLabel = "JAR",
        description = "A benchmarks.jar of another shmipc build (e.g. built from an older commit): its rings are " +
            "measured too, as shmipc@baseline and shmipc-headers@baseline, on the same threads in the same rounds, " +
            "with the ratios of this build to it.")
    Path baselineJar;

    @Option(names = "--trust-writer", hidden = true,
        description = "Kept for old scripts: header polling (shmipc-headers) is now always measured.")
    boolean trustWriter;

    @Option(names = "--placement", defaultValue = "none",
        description = "none, separate (two physical cores) or smt (two siblings of one core) " +
            "(default: ${DEFAULT-VALUE}).")
    String placement;

    @Option(names = "--rounds", paramLabel = "N",
        description = "Rounds; each runs every variant once, in a rotating order (default: --duration / --round, " +
            "or 20 with --iterations).")
    Integer rounds;

    @Option(names = "--round", paramLabel = "TIME", defaultValue = "1s", converter = DurationConverter.class,
        description = "Length of one round, shared by the variants (default: ${DEFAULT-VALUE}).")
    Duration round;

    @Option(names = "--self-check",
        description = "Run the floor against a second floor instead of the rings: the median ratio must come out " +
            "within 1.00 +- 0.05 at p50 and p99, else the method is not good enough on this machine (exit code 3).")
    boolean selfCheck;

    /**
     * {@inheritDoc}
     */
    public Integer call()
    {
        checkSize(size);
        checkBaselineJar(baselineJar);
        final String idleSpec = IdleStrategies.parse(idle).toString();
        final RunLength run = common.runLength("1s", "20s");
        final CpuPlacement cpus = CpuPlacement.resolve(placement);
        if (!cpus.isAvailable())
        {
            throw new IllegalArgumentException("--placement " + placement + " is not possible here: " +
                cpus.unavailableReason());
        }
        final RoundPlan plan = plan(run, idleSpec);
        final int n = plan.variants.size();
        final BenchContext context = common.context();
        final Path outDir = common.outDirectory();
        final Machine machine = Machine.describe(context.jvmOptions());
        final PrintStream out = System.out;
        context.progress().line("pingpong" + (selfCheck ? " --self-check" : "") + ": " + size +
            "-byte messages, " + plan.describe() + ", idle " + idleSpec + ", placement " + cpus);

        final PairRun.Spec spec = new PairRun.Spec();
        spec.label = selfCheck ? "self-check" : "pingpong";
        spec.variant = "rounds";
        spec.run = run;
        spec.plan = plan;
        spec.signals = false; // each ring variant has its own semaphore pair (RoundPlan.Variant.signals)
        spec.size = size;
        spec.activeCpu = cpus.activeCpu();
        spec.passiveCpu = cpus.passiveCpu();
        final PairRun.Outcome outcome = PairRun.run(context, spec);

        // busy-spinning threads below 90% of a core in a round were descheduled in it: that round measured the
        // scheduler's time slices (both sides of every ratio alike), not the mechanism, and is left out
        final boolean spinning = idleSpec.startsWith("busy-spin");
        final double[] lowestCpu = RoundReport.lowestCpuPerRound(outcome.active, outcome.passive, n, plan.rounds);
        final int[] kept = spinning ? Rounds.cleanRounds(lowestCpu, MIN_SPIN_CPU_PERCENT) :
            Rounds.cleanRounds(lowestCpu, 0);
        final boolean descheduled = kept.length < MIN_ROUNDS;
        final int[] used = descheduled ? Rounds.cleanRounds(lowestCpu, 0) : kept;
        final Histogram[][] perRound = new Histogram[n][];
        final Histogram[] pooled = new Histogram[n];
        for (int v = 0; v < n; v++)
        {
            perRound[v] = Rounds.select(RoundReport.histograms(outcome.active, v, plan.rounds), used);
            pooled[v] = Rounds.pool(perRound[v]);
        }
        final List<String> names = new ArrayList<>();
        plan.variants.forEach(v -> names.add(v.name));

        final int width = 24;
        out.println();
        out.println("pingpong round trip" + (selfCheck ? " self-check (floor against floor)" : "") + ", " + size +
            "-byte messages, idle " + idleSpec + ", placement " + cpus + "; " + plan.describe() +
            ", order rotating; all variants on the same two threads");
        out.println(machine.line());
        out.println("rounds used: " + used.length + " of " + plan.rounds + (spinning && !descheduled &&
            used.length < plan.rounds ? " (the others had a busy-spinning measuring thread below " +
            Math.round(MIN_SPIN_CPU_PERCENT) + "% of a core: descheduled)" : ""));
        out.println("pooled over the rounds used:");
        out.println(Latency.header("variant", width));
        for (int v = 0; v < n; v++)
        {
            out.println(Latency.row(names.get(v), width, pooled[v]));
        }
        out.println("median over rounds of each round's value (IQR):");
        out.println(RoundReport.spreadHeader("variant", width));
        final Map<String, Rounds.Spread[]> values = new LinkedHashMap<>();
        for (int v = 0; v < n; v++)
        {
            values.put(names.get(v), Rounds.valueSpreads(perRound[v]));
            out.println(RoundReport.valueRow(names.get(v), width, values.get(names.get(v))));
        }

        // ratios of each round, paired within the round
        final Map<String, Rounds.Spread[]> ratios = new LinkedHashMap<>();
        final Map<String, String> ratioKeys = new LinkedHashMap<>();
        final int floor = plan.indexOf("floor");
        for (int v = 0; v < n; v++)
        {
            if (v != floor)
            {
                final String name = names.get(v) + " / floor";
                ratios.put(name, Rounds.ratioSpreads(perRound[v], perRound[floor]));
                ratioKeys.put(name, camel(names.get(v)) + "ToFloor");
            }
        }
        if (!selfCheck)
        {
            final int agrona = plan.indexOf("agrona");
            for (final String ring : new String[]{"shmipc", "shmipc-headers"})
            {
                final int v = plan.indexOf(ring);
                ratios.put(ring + " / agrona", Rounds.ratioSpreads(perRound[v], perRound[agrona]));
                ratioKeys.put(ring + " / agrona", camel(ring) + "ToAgrona");
            }
            final int twoLines = plan.indexOf(FLOOR_2LINE);
            ratios.put("shmipc / " + FLOOR_2LINE, Rounds.ratioSpreads(perRound[plan.indexOf("shmipc")],
                perRound[twoLines]));
            ratioKeys.put("shmipc / " + FLOOR_2LINE, "shmipcToFloor2Line");
            final String[][] pairs = {{"shmipc", FLOOR_SPEC}, {"shmipc-headers", FLOOR_SPEC_HEADERS},
                {FLOOR_SPEC, "agrona"}, {FLOOR_SPEC_HEADERS, "agrona"}, {FLOOR_2LINE, "agrona"}};
            for (final String[] pair : pairs)
            {
                final String name = pair[0] + " / " + pair[1];
                ratios.put(name, Rounds.ratioSpreads(perRound[plan.indexOf(pair[0])], perRound[plan.indexOf(pair[1])]));
                ratioKeys.put(name, camel(pair[0]) + "To" + Character.toUpperCase(pair[1].charAt(0)) +
                    camel(pair[1]).substring(1));
            }
            if (null != baselineJar)
            {
                for (final String ring : new String[]{"shmipc", "shmipc-headers"})
                {
                    final String name = ring + " / " + ring + BASELINE;
                    ratios.put(name, Rounds.ratioSpreads(perRound[plan.indexOf(ring)],
                        perRound[plan.indexOf(ring + BASELINE)]));
                    ratioKeys.put(name, camel(ring) + "ToBaseline");
                }
            }
        }
        out.println("median over rounds of each round's ratio (IQR):");
        out.println(RoundReport.spreadHeader("ratio", width));
        ratios.forEach((name, spreads) -> out.println(RoundReport.spreadRow(name, width, spreads)));

        final Map<String, double[]> cpu = new LinkedHashMap<>();
        for (int v = 0; v < n; v++)
        {
            cpu.put(names.get(v), new double[]{RoundReport.driverCpuPercent(outcome.active, v, plan.rounds),
                RoundReport.serverCpuPercent(outcome.passive, v, "measure")});
        }
        final StringBuilder cpuLine = new StringBuilder("CPU while measuring (pinger / ponger, % of a core):");
        cpu.forEach((name, c) -> cpuLine.append(String.format(" %s %.0f/%.0f", name, c[0], c[1])));
        out.println(cpuLine);
        if (descheduled)
        {
            out.printf("WARNING: only %d of %d rounds had every busy-spinning measuring thread at %.0f%% of a core " +
                "or more: other work competed for the CPUs, the figures (all rounds) describe the scheduler, and " +
                "nothing is judged%n", kept.length, plan.rounds, MIN_SPIN_CPU_PERCENT);
        }
        final Goals goals;
        boolean selfCheckPassed = true;
        if (selfCheck)
        {
            final Rounds.Spread[] check = ratios.get("floor-b / floor");
            selfCheckPassed = !descheduled && Rounds.withinOfOne(check[P50], SELF_CHECK_TOLERANCE) &&
                Rounds.withinOfOne(check[P99], SELF_CHECK_TOLERANCE);
            out.println("self-check: floor-b / floor p50 " + check[P50].format() + ", p99 " + check[P99].format() +
                "; both medians must be within 1.00 +- " + SELF_CHECK_TOLERANCE + ": " + (selfCheckPassed ?
                "passed, the method resolves differences of about 5% on this machine" :
                "FAILED, the method is not good enough on this machine now" + (descheduled ?
                    " (the measuring threads were descheduled)" : "") + " (exit code " + EXIT_SELF_CHECK_FAILED +
                    ")"));
            goals = new SelfCheck(descheduled, selfCheckPassed, SELF_CHECK_TOLERANCE);
        }
        else
        {
            final List<String> lines = new ArrayList<>();
            final List<String> layoutLines = new ArrayList<>();
            final List<String> twoLineLines = new ArrayList<>();
            final RoundReport.Goal[] shmipc = specRuleGoals(lines, descheduled, "shmipc", ratios);
            final RoundReport.Goal shmipcHeaders = goal(lines, descheduled, "shmipc-headers p50 <= 1.15 x floor",
                ratios.get("shmipc-headers / floor")[P50], 1.15);
            final RoundReport.Goal[] floorSpec = specRuleGoals(layoutLines, descheduled, FLOOR_SPEC, ratios);
            final RoundReport.Goal floorSpecHeaders = goal(layoutLines, descheduled, FLOOR_SPEC_HEADERS +
                " p50 <= 1.15 x floor", ratios.get(FLOOR_SPEC_HEADERS + " / floor")[P50], 1.15);
            final RoundReport.Goal[] twoLines = specRuleGoals(twoLineLines, descheduled, FLOOR_2LINE, ratios);
            goals = new RingGoals(descheduled, shmipc[0], shmipc[1], shmipc[2], shmipcHeaders, floorSpec[0],
                floorSpec[1], floorSpec[2], floorSpecHeaders, twoLines[0], twoLines[1], twoLines[2]);
            out.println("goals (issue 14, stated for busy-spin and 32 B; median per-round ratios):");
            lines.forEach(line -> out.println("  " + line));
            out.println("the same goals for the layout's floor (a minimal ring with the SimpleIPC v1 bytes; a goal " +
                "it misses, a minimal ring with these bytes misses here too):");
            layoutLines.forEach(line -> out.println("  " + line));
            out.println("the spec rule's goals for the two-line floor (each way a message on a line that moves " +
                "through memory and a position on one fixed line, as writePos, and nothing else; a " +
                "goal it misses, no reader bound by the SimpleIPC v1 rule meets here):");
            twoLineLines.forEach(line -> out.println("  " + line));
        }

        final Map<String, String> files = new LinkedHashMap<>();
        for (int v = 0; v < n; v++)
        {
            final Path hgrm = outDir.resolve("pingpong-" + names.get(v) + ".hgrm");
            Latency.writeHgrm(hgrm, pooled[v]);
            files.put(names.get(v), hgrm.toString());
        }
        final Path png = outDir.resolve(selfCheck ? "pingpong-self-check.png" : "pingpong.png");
        final PercentilePlot plot = new PercentilePlot("pingpong round trip, " + size + " B, idle " + idle +
            ", placement " + cpus.name() + ", pooled over " + plan.rounds + " rounds",
            machine.brief() + ", " + machine.jdk(), "round-trip latency");
        for (int v = 0; v < n; v++)
        {
            plot.line(names.get(v), pooled[v]);
        }
        plot.write(png);
        out.println("wrote " + String.join(", ", files.values()) + ", " + png);

        if (null != common.json)
        {
            final Settings settings = new Settings(size, idleSpec, cpus.toString(), selfCheck, plan.rounds, used.length,
                Rounds.significant(lowestCpu), plan.describe(), PairRun.CAPACITY);
            final List<Variant> variants = new ArrayList<>();
            for (int v = 0; v < n; v++)
            {
                final double[] c = cpu.get(names.get(v));
                variants.add(new Variant(Latency.summary(names.get(v), pooled[v]), files.get(names.get(v)),
                    Rounds.quartiles(values.get(names.get(v))), Math.round(c[0] * 10) / 10.0,
                    Math.round(c[1] * 10) / 10.0));
            }
            final Map<String, Ratio> ratioJson = new LinkedHashMap<>();
            ratios.forEach((name, spreads) -> ratioJson.put(ratioKeys.get(name), new Ratio(Rounds.quartiles(spreads),
                name)));
            Json.write(common.json, new Result("pingpong", "rounds", machine, settings, variants, ratioJson, goals,
                png.toString()));
            out.println("wrote " + common.json);
        }
        return selfCheckPassed ? 0 : EXIT_SELF_CHECK_FAILED;
    }

    private RoundPlan plan(final RunLength run, final String idleSpec)
    {
        final RoundPlan plan = new RoundPlan();
        plan.mode = "pingpong";
        final boolean signals = idleSpec.startsWith(IdleStrategies.WAIT);
        if (selfCheck)
        {
            plan.add(RoundPlan.Variant.floor("floor", 0));
            plan.add(RoundPlan.Variant.floor("floor-b", 1));
            plan.groups = new int[][]{{0, 1}};
        }
        else
        {
            plan.add(RoundPlan.Variant.floor("floor", 0));
            plan.add(RoundPlan.Variant.floor2Line(FLOOR_2LINE, 2));
            plan.add(RoundPlan.Variant.floorSpec(FLOOR_SPEC, size, false));
            plan.add(RoundPlan.Variant.floorSpec(FLOOR_SPEC_HEADERS, size, true));
            final RoundPlan.Variant shmipc = RoundPlan.Variant.ring("shmipc", "shmipc", size, idleSpec);
            final RoundPlan.Variant headers = RoundPlan.Variant.ring("shmipc-headers", "shmipc", size, idleSpec);
            headers.trustWriter = true;
            final RoundPlan.Variant agrona = RoundPlan.Variant.ring("agrona", "agrona", size, idleSpec);
            final List<RoundPlan.Variant> rings = new ArrayList<>(List.of(shmipc, headers, agrona));
            if (null != baselineJar)
            {
                for (final RoundPlan.Variant v : new RoundPlan.Variant[]{shmipc, headers})
                {
                    final RoundPlan.Variant base = RoundPlan.Variant.ring(v.name + BASELINE, "shmipc", size, idleSpec);
                    base.trustWriter = v.trustWriter;
                    base.classPath = baselineJar.toAbsolutePath().toString();
                    rings.add(base);
                }
            }
            for (final RoundPlan.Variant v : rings)
            {
                v.signals = signals;
                plan.add(v);
            }
            final int[] all = new int[plan.variants.size()];
            for (int i = 0; i < all.length; i++)
            {
                all[i] = i;
            }
            plan.groups = new int[][]{all};
        }
        sliceAndRounds(plan, run, rounds, round, plan.variants.size());
        return plan;
    }

    /**
     * Fill in the plan's rounds, slices, settle time and warm-up from the command line: with {@code --iterations}
     * each variant's slice is that many operations, for {@code rounds} rounds (default 20); with a duration, the
     * rounds share it ({@code --round} each unless {@code rounds} is given), and each variant gets an equal slice of
     * a round. Each slice is preceded by a tenth of its length (at most 20 ms), run but not recorded, so the lines
     * of the variant just switched to are back in the caches. The warm-up is per variant, in two passes.
     */
    static void sliceAndRounds(final RoundPlan plan, final RunLength run, final Integer rounds, final Duration round,
        final int variants)
    {
        if (null != rounds && rounds < 1)
        {
            throw new IllegalArgumentException("--rounds: must be at least 1, got " + rounds);
        }
        if (run.plannedMeasureCount() > 0)
        {
            plan.rounds = null == rounds ? 20 : rounds;
            plan.sliceCount = run.plannedMeasureCount();
            plan.settleCount = Math.max(1, plan.sliceCount / 10);
        }
        else
        {
            final long total = run.plannedMeasureNanos();
            final long roundNanos;
            if (null != rounds)
            {
                plan.rounds = rounds;
                roundNanos = total / rounds;
            }
            else
            {
                roundNanos = round.toNanos();
                plan.rounds = (int)Math.max(3, Math.round((double)total / roundNanos));
            }
            plan.sliceNanos = Math.max(1, roundNanos / variants);
            plan.settleNanos = Math.max(1, Math.min(plan.sliceNanos / 10, TimeUnit.MILLISECONDS.toNanos(20)));
        }
        plan.warmupCount = run.warmupCount();
        plan.warmupNanos = run.warmupNanos();
    }

    /**
     * The spec rule's three goals judged on {@code variant}: p50 and p99 at most 1.00x Agrona's, p50 at most 1.25x
     * the floor.
     */
    private static RoundReport.Goal[] specRuleGoals(final List<String> lines, final boolean descheduled,
        final String variant, final Map<String, Rounds.Spread[]> ratios)
    {
        final Rounds.Spread[] toAgrona = ratios.get(variant + " / agrona");
        return new RoundReport.Goal[]{
            goal(lines, descheduled, variant + " p50 <= 1.00 x agrona", toAgrona[P50], 1.0),
            goal(lines, descheduled, variant + " p99 <= 1.00 x agrona", toAgrona[P99], 1.0),
            goal(lines, descheduled, variant + " p50 <= 1.25 x floor", ratios.get(variant + " / floor")[P50], 1.25)};
    }

    private static RoundReport.Goal goal(final List<String> lines, final boolean descheduled, final String text,
        final Rounds.Spread ratio, final double limit)
    {
        final Rounds.Verdict verdict = descheduled ? Rounds.Verdict.DESCHEDULED : Rounds.atMost(ratio, limit);
        lines.add(text + ": " + RoundReport.verdict(verdict, ratio));
        return RoundReport.Goal.of(verdict, ratio, limit);
    }

    /**
     * @return e.g. shmipcHeaders for shmipc-headers.
     */
    static String camel(final String name)
    {
        final StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (final char c : name.toCharArray())
        {
            if ('-' == c)
            {
                upper = true;
                continue;
            }
            sb.append(upper ? Character.toUpperCase(c) : c);
            upper = false;
        }
        return sb.toString();
    }

    /**
     * @throws IllegalArgumentException unless the file is a jar holding the round method's variant factory.
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
        final String entry = VariantFactory.class.getName().replace('.', '/') + ".class";
        try (ZipFile zip = new ZipFile(jar.toFile()))
        {
            if (null == zip.getEntry(entry))
            {
                throw new IllegalArgumentException("--baseline-jar " + jar + ": has no " + entry + " (give the " +
                    "benchmarks.jar of a build that has the round method)");
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("--baseline-jar " + jar + ": cannot read it as a jar: " +
                ex.getMessage());
        }
    }

    static void checkSize(final int size)
    {
        if (size < MIN_SIZE || size > MAX_SIZE)
        {
            throw new IllegalArgumentException("--size " + size + ": must be " + MIN_SIZE + ".." + MAX_SIZE +
                " bytes (a message carries an 8-byte sequence number and an 8-byte send time)");
        }
    }

    static Histogram merge(final List<Histogram> histograms)
    {
        final Histogram merged = PeerCommand.newHistogram();
        for (final Histogram h : histograms)
        {
            merged.add(h);
        }
        return merged;
    }

    static String verdict(final boolean met)
    {
        return met ? "met" : "NOT met";
    }
}

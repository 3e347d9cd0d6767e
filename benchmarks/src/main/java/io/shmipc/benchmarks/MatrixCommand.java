package io.shmipc.benchmarks;

import io.shmipc.idle.IdleStrategies;
import io.shmipc.tools.cli.DurationConverter;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bench matrix}: ping-pong through our ring over idle strategies x CPU placements x message sizes, with the
 * CPU each side burned; then, per strategy, the CPU a reader burns while idle and its wake-up latency (publish to
 * handling, one way) after a quiet spell.
 */
@Command(name = "matrix", mixinStandardHelpOptions = true,
    description = {"shmipc ring ping-pong over idle strategies x CPU placements x message sizes, with the CPU each " +
        "side burned; then per strategy the reader's idle CPU and its wake-up latency after a quiet spell.",
        "busy-spin and yield burn 100%% of a core on each side for as long as a run lasts."})
final class MatrixCommand implements Callable<Integer>
{
    /**
     * The JSON of a run (fields in docs/benchmarks.md).
     */
    record Result(String command, Machine machine, Settings settings, List<String> skippedPlacements,
        List<Variant> variants, List<WakeUp> wakeUps, List<String> plots)
    {
    }

    record Settings(String run, List<String> strategies, List<Integer> sizes, long idleNanos, int wakeSamples,
        long wakeGapNanos, int wakeRounds)
    {
    }

    /**
     * An entry of {@code variants}: a cell of the matrix, or the floor measured before or after the cells.
     */
    sealed interface Variant permits Cell, Floor
    {
    }

    /**
     * One strategy, placement and size: its round trips and the CPU of each side (percent of a core).
     */
    record Cell(@Json.Inline Latency.Summary latency, String strategy, String placement, int messageBytes,
        double pingerCpuPercent, double pongerCpuPercent, String hgrm) implements Variant
    {
    }

    record Floor(@Json.Inline Latency.Summary latency, String when) implements Variant
    {
    }

    /**
     * One strategy and placement after quiet spells: the wake-up latencies pooled and per round, the idle CPU
     * (percent of a core), and the per-round ratios to busy-spin (null, left out of the JSON, when busy-spin was not
     * measured or this is busy-spin).
     */
    record WakeUp(@Json.Inline Latency.Summary latency, String strategy, String placement, double idleCpuPercent,
        double idleSeconds, int rounds, Map<String, Rounds.Quartiles> perRound,
        Map<String, Rounds.Quartiles> toBusySpin, String hgrm)
    {
    }

    private static final List<String> DEFAULT_STRATEGIES = List.of("busy-spin", "yield", "backoff", "wait");

    @Mixin
    CommonOptions common;

    @Option(names = "--strategy", paramLabel = "SPEC",
        description = "An idle strategy for both readers (repeatable; default: busy-spin, yield, backoff, wait). " +
            "With wait each writer posts the reader's semaphore only when the reader is about to sleep.")
    List<String> strategies = new ArrayList<>();

    @Option(names = "--placements", split = ",", defaultValue = "none,separate,smt",
        description = "CPU placements: none, separate (two physical cores), smt (siblings of one core) " +
            "(default: ${DEFAULT-VALUE}); those this machine cannot do are skipped with the reason.")
    List<String> placements;

    @Option(names = "--sizes", split = ",", defaultValue = "32,1024", paramLabel = "BYTES",
        description = "Message sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = "--idle-time", defaultValue = "2s", paramLabel = "TIME", converter = DurationConverter.class,
        description = "How long each strategy's reader idles with no traffic while its CPU is measured " +
            "(default: ${DEFAULT-VALUE}).")
    Duration idleTime;

    @Option(names = "--wake-samples", defaultValue = "200", paramLabel = "N",
        description = "One-way messages sent after the idle spell, each --wake-gap apart (default: ${DEFAULT-VALUE}).")
    int wakeSamples;

    @Option(names = "--wake-rounds", defaultValue = "5", paramLabel = "N",
        description = "Rounds the wake-up measurement is split into; each gives every strategy an equal share of " +
            "--idle-time and --wake-samples, in a rotating order (default: ${DEFAULT-VALUE}).")
    int wakeRounds;

    @Option(names = "--wake-gap", defaultValue = "10ms", paramLabel = "TIME", converter = DurationConverter.class,
        description = "Quiet time before each wake-up message, long enough for wait to block (default: " +
            "${DEFAULT-VALUE}).")
    Duration wakeGap;

    /**
     * {@inheritDoc}
     */
    public Integer call()
    {
        final List<String> specs = new ArrayList<>();
        for (final String strategy : strategies.isEmpty() ? DEFAULT_STRATEGIES : strategies)
        {
            specs.add(IdleStrategies.parse(strategy).toString());
        }
        for (final int size : sizes)
        {
            PingPongCommand.checkSize(size);
        }
        if (wakeRounds < 1)
        {
            throw new IllegalArgumentException("--wake-rounds: must be at least 1, got " + wakeRounds);
        }
        if (wakeSamples < 1)
        {
            throw new IllegalArgumentException("--wake-samples: must be at least 1, got " + wakeSamples);
        }
        final long idleNanos = idleTime.toNanos();
        final long gapNanos = wakeGap.toNanos();
        final RunLength run = common.runLength("500ms", "2s");
        final BenchContext context = common.context();
        final Path outDir = common.outDirectory();
        final Machine machine = Machine.describe(context.jvmOptions());
        final PrintStream out = System.out;

        final List<CpuPlacement> usable = new ArrayList<>();
        final List<String> skipped = new ArrayList<>();
        for (final String name : placements)
        {
            final CpuPlacement placement = CpuPlacement.resolve(name);
            if (placement.isAvailable())
            {
                usable.add(placement);
            }
            else
            {
                skipped.add(name + ": " + placement.unavailableReason());
            }
        }
        context.progress().line("matrix: strategies " + specs + ", placements " + usable + ", sizes " + sizes +
            ", " + run);
        for (final String s : skipped)
        {
            context.progress().line("matrix: skipping placement " + s);
        }

        final Histogram floorBefore = floor(context, run, "floor before");
        final List<Cell> cells = new ArrayList<>();
        final Map<String, Histogram> cellHistograms = new LinkedHashMap<>();
        for (final int size : sizes)
        {
            for (final CpuPlacement placement : usable)
            {
                for (final String spec : specs)
                {
                    final String name = shortName(spec) + " " + placement.name() + " " + size + "B";
                    final PairRun.Spec runSpec = spec(spec, name, run);
                    runSpec.size = size;
                    runSpec.activeCpu = placement.activeCpu();
                    runSpec.passiveCpu = placement.passiveCpu();
                    final PairRun.Outcome outcome = PairRun.run(context, runSpec);
                    final Histogram histogram = outcome.active.histogram("histogram");
                    final Path hgrm = outDir.resolve("matrix-" + fileName(name) + ".hgrm");
                    Latency.writeHgrm(hgrm, histogram);
                    cells.add(new Cell(Latency.summary(name, histogram), spec, placement.toString(), size,
                        round1(outcome.active.cpuPercent("measure")), round1(outcome.passive.cpuPercent("measure")),
                        hgrm.toString()));
                    cellHistograms.put(name, histogram);
                }
            }
        }
        final Histogram floorAfter = floor(context, run, "floor after");

        final List<WakeUp> wakeUps = new ArrayList<>();
        final Map<String, Histogram> wakeHistograms = new LinkedHashMap<>();
        final Map<String, Rounds.Spread[]> wakeSpreads = new LinkedHashMap<>();
        final Map<String, Rounds.Spread[]> wakeRatios = new LinkedHashMap<>();
        final int rounds = Math.max(1, Math.min(wakeRounds, wakeSamples));
        for (final CpuPlacement placement : usable)
        {
            // the round method: every strategy in the same two processes, in short rotating rounds
            final RoundPlan plan = new RoundPlan();
            plan.mode = "wake";
            final int[] group = new int[specs.size()];
            for (int i = 0; i < specs.size(); i++)
            {
                final RoundPlan.Variant v = RoundPlan.Variant.ring(shortName(specs.get(i)), "shmipc", 32, specs.get(i));
                v.signals = specs.get(i).startsWith(IdleStrategies.WAIT);
                group[i] = plan.add(v);
            }
            plan.groups = new int[][]{group};
            plan.rounds = rounds;
            plan.warmupCount = run.warmupCount();
            plan.warmupNanos = run.warmupNanos();
            plan.quietNanos = idleNanos / rounds;
            plan.wakeSamples = Math.max(1, wakeSamples / rounds);
            plan.wakeGapNanos = gapNanos;
            final PairRun.Spec runSpec = spec(specs.get(0), "wake-up " + placement.name(), run);
            runSpec.variant = "rounds";
            runSpec.plan = plan;
            runSpec.signals = false; // the wait variants have a semaphore pair each (RoundPlan.Variant.signals)
            runSpec.activeCpu = placement.activeCpu();
            runSpec.passiveCpu = placement.passiveCpu();
            final PairRun.Outcome outcome = PairRun.run(context, runSpec);
            final int reference = specs.indexOf(IdleStrategies.parse("busy-spin").toString());
            final Histogram[] referenceRounds = reference < 0 ? null :
                RoundReport.histograms(outcome.passive, reference, rounds);
            for (int i = 0; i < specs.size(); i++)
            {
                final String spec = specs.get(i);
                final String name = shortName(spec) + " " + placement.name();
                final Histogram[] perRound = RoundReport.histograms(outcome.passive, i, rounds);
                final Histogram histogram = Rounds.pool(perRound);
                final Rounds.Spread[] spreads = Rounds.valueSpreads(perRound);
                wakeSpreads.put(name, spreads);
                final Rounds.Spread[] ratios = null != referenceRounds && i != reference ?
                    Rounds.ratioSpreads(perRound, referenceRounds) : null;
                if (null != ratios)
                {
                    wakeRatios.put(name, ratios);
                }
                final Path hgrm = outDir.resolve("matrix-wake-" + fileName(name) + ".hgrm");
                Latency.writeHgrm(hgrm, histogram);
                wakeUps.add(new WakeUp(Latency.summary(name, histogram), spec, placement.toString(),
                    round1(RoundReport.serverCpuPercent(outcome.passive, i, "idle")),
                    outcome.passive.has("serve." + i + ".idle.wallNanos") ?
                        outcome.passive.getLong("serve." + i + ".idle.wallNanos") / 1e9 : 0.0,
                    rounds, Rounds.quartiles(spreads), null == ratios ? null : Rounds.quartiles(ratios),
                    hgrm.toString()));
                wakeHistograms.put(name, histogram);
            }
        }

        final int width = 26;
        out.println();
        out.println("matrix: shmipc ring ping-pong round trip, both readers on the same idle strategy, " + run);
        out.println(machine.line());
        for (final String s : skipped)
        {
            out.println("placement " + s);
        }
        out.println(Latency.header("strategy placement size", width) + "  pinger CPU  ponger CPU");
        for (final Cell cell : cells)
        {
            out.println(Latency.row(cell.latency().name(), width, cellHistograms.get(cell.latency().name())) +
                String.format("  %9.0f%%  %9.0f%%", cell.pingerCpuPercent(), cell.pongerCpuPercent()));
        }
        out.println(Latency.row("floor before (busy-spin)", width, floorBefore));
        out.println(Latency.row("floor after (busy-spin)", width, floorAfter));
        out.println();
        out.println("wake-up after a quiet spell: one-way latency from the writer's publish to the reader handling " +
            "the message, 32 bytes, " + Durations.format(gapNanos) + " between messages; the strategies of one " +
            "placement interleaved in " + rounds + " rounds between the same two processes, each round giving each " +
            "strategy " + Durations.format(idleNanos / rounds) + " without traffic (its idle CPU) then " +
            Math.max(1, wakeSamples / rounds) + " messages");
        out.println("pooled over the rounds:");
        out.println(Latency.header("strategy placement", width) + "    idle CPU");
        for (final WakeUp entry : wakeUps)
        {
            out.println(Latency.row(entry.latency().name(), width, wakeHistograms.get(entry.latency().name())) +
                String.format("  %9.1f%%", entry.idleCpuPercent()));
        }
        out.println("median over rounds of each round's value (IQR):");
        out.println(RoundReport.spreadHeader("strategy placement", width));
        wakeSpreads.forEach((name, spreads) -> out.println(RoundReport.valueRow(name, width, spreads)));
        if (!wakeRatios.isEmpty())
        {
            out.println("median over rounds of each round's ratio to busy-spin's wake-up in the same round (IQR):");
            out.println(RoundReport.spreadHeader("strategy placement", width));
            wakeRatios.forEach((name, spreads) -> out.println(RoundReport.spreadRow(name, width, spreads)));
        }

        final int firstSize = sizes.get(0);
        final PercentilePlot plot = new PercentilePlot("matrix: shmipc ping-pong round trip, " + firstSize + " B",
            machine.brief() + "; " + run,
            "round-trip latency");
        for (final Map.Entry<String, Histogram> e : cellHistograms.entrySet())
        {
            if (e.getKey().endsWith(" " + firstSize + "B"))
            {
                plot.line(e.getKey(), e.getValue());
            }
        }
        plot.line("floor", PingPongCommand.merge(List.of(floorBefore, floorAfter)));
        final Path png = outDir.resolve("matrix.png");
        plot.write(png);
        final PercentilePlot wakePlot = new PercentilePlot("wake-up latency after " + Durations.format(gapNanos) +
            " of silence (one way)", machine.brief(), "publish to handling");
        wakeHistograms.forEach(wakePlot::line);
        final Path wakePng = outDir.resolve("matrix-wake.png");
        wakePlot.write(wakePng);
        out.println("wrote .hgrm files, " + png + " and " + wakePng + " in " + outDir);

        if (null != common.json)
        {
            final Settings settings = new Settings(run.toString(), specs, sizes, idleNanos, wakeSamples, gapNanos,
                rounds);
            final List<Variant> variants = new ArrayList<>(cells);
            variants.add(new Floor(Latency.summary("floor", floorBefore), "before"));
            variants.add(new Floor(Latency.summary("floor", floorAfter), "after"));
            Json.write(common.json, new Result("matrix", machine, settings, skipped, variants, wakeUps,
                List.of(png.toString(), wakePng.toString())));
            out.println("wrote " + common.json);
        }
        return 0;
    }

    private PairRun.Spec spec(final String idleSpec, final String label, final RunLength run)
    {
        final PairRun.Spec spec = new PairRun.Spec();
        spec.label = label;
        spec.variant = "shmipc";
        spec.idle = idleSpec;
        spec.signals = idleSpec.startsWith(IdleStrategies.WAIT);
        spec.run = run;
        spec.worstOperationNanos = 2_000_000;
        return spec;
    }

    private static Histogram floor(final BenchContext context, final RunLength run, final String label)
    {
        final PairRun.Spec spec = new PairRun.Spec();
        spec.label = label;
        spec.variant = "floor";
        spec.run = run;
        return PairRun.run(context, spec).active.histogram("histogram");
    }

    private static String shortName(final String spec)
    {
        final int colon = spec.indexOf(':');
        return colon < 0 ? spec : spec.substring(0, colon);
    }

    private static String fileName(final String name)
    {
        return name.replaceAll("[^A-Za-z0-9.-]+", "-");
    }

    private static double round1(final double value)
    {
        return Math.round(value * 10) / 10.0;
    }
}

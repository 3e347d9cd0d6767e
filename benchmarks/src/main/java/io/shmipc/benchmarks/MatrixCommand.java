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
        final Map<String, Object> machine = Machine.describe(context.jvmOptions());
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
        final List<Map<String, Object>> cells = new ArrayList<>();
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
                    final Map<String, Object> cell = Latency.summary(name, histogram);
                    cell.put("strategy", spec);
                    cell.put("placement", placement.toString());
                    cell.put("messageBytes", size);
                    cell.put("pingerCpuPercent", round1(outcome.active.cpuPercent("measure")));
                    cell.put("pongerCpuPercent", round1(outcome.passive.cpuPercent("measure")));
                    final Path hgrm = outDir.resolve("matrix-" + fileName(name) + ".hgrm");
                    Latency.writeHgrm(hgrm, histogram);
                    cell.put("hgrm", hgrm.toString());
                    cells.add(cell);
                    cellHistograms.put(name, histogram);
                }
            }
        }
        final Histogram floorAfter = floor(context, run, "floor after");

        final List<Map<String, Object>> wakeUps = new ArrayList<>();
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
                final Map<String, Object> entry = Latency.summary(name, histogram);
                entry.put("strategy", spec);
                entry.put("placement", placement.toString());
                entry.put("idleCpuPercent", round1(RoundReport.serverCpuPercent(outcome.passive, i, "idle")));
                entry.put("idleSeconds", outcome.passive.has("serve." + i + ".idle.wallNanos") ?
                    outcome.passive.getLong("serve." + i + ".idle.wallNanos") / 1e9 : 0.0);
                entry.put("rounds", rounds);
                final Rounds.Spread[] spreads = Rounds.valueSpreads(perRound);
                entry.put("perRound", Rounds.json(spreads));
                wakeSpreads.put(name, spreads);
                if (null != referenceRounds && i != reference)
                {
                    final Rounds.Spread[] ratios = Rounds.ratioSpreads(perRound, referenceRounds);
                    entry.put("toBusySpin", Rounds.json(ratios));
                    wakeRatios.put(name, ratios);
                }
                final Path hgrm = outDir.resolve("matrix-wake-" + fileName(name) + ".hgrm");
                Latency.writeHgrm(hgrm, histogram);
                entry.put("hgrm", hgrm.toString());
                wakeUps.add(entry);
                wakeHistograms.put(name, histogram);
            }
        }

        final int width = 26;
        out.println();
        out.println("matrix: shmipc ring ping-pong round trip, both readers on the same idle strategy, " + run);
        out.println(Machine.line(machine));
        for (final String s : skipped)
        {
            out.println("placement " + s);
        }
        out.println(Latency.header("strategy placement size", width) + "  pinger CPU  ponger CPU");
        for (final Map<String, Object> cell : cells)
        {
            out.println(Latency.row((String)cell.get("name"), width, cellHistograms.get(cell.get("name"))) +
                String.format("  %9.0f%%  %9.0f%%", cell.get("pingerCpuPercent"), cell.get("pongerCpuPercent")));
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
        for (final Map<String, Object> entry : wakeUps)
        {
            out.println(Latency.row((String)entry.get("name"), width, wakeHistograms.get(entry.get("name"))) +
                String.format("  %9.1f%%", entry.get("idleCpuPercent")));
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
            machine.get("cpuModel") + ", " + machine.get("cpusOnline") + " CPUs, " + machine.get("kernel") + "; " + run,
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
            " of silence (one way)", machine.get("cpuModel") + ", " + machine.get("cpusOnline") + " CPUs, " +
            machine.get("kernel"), "publish to handling");
        wakeHistograms.forEach(wakePlot::line);
        final Path wakePng = outDir.resolve("matrix-wake.png");
        wakePlot.write(wakePng);
        out.println("wrote .hgrm files, " + png + " and " + wakePng + " in " + outDir);

        if (null != common.json)
        {
            final Map<String, Object> json = new LinkedHashMap<>();
            json.put("command", "matrix");
            json.put("machine", machine);
            final Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("run", run.toString());
            settings.put("strategies", specs);
            settings.put("sizes", sizes);
            settings.put("idleNanos", idleNanos);
            settings.put("wakeSamples", wakeSamples);
            settings.put("wakeGapNanos", gapNanos);
            settings.put("wakeRounds", rounds);
            json.put("settings", settings);
            json.put("skippedPlacements", skipped);
            final List<Object> variants = new ArrayList<>(cells);
            variants.add(named(Latency.summary("floor", floorBefore), "before"));
            variants.add(named(Latency.summary("floor", floorAfter), "after"));
            json.put("variants", variants);
            json.put("wakeUps", wakeUps);
            json.put("plots", List.of(png.toString(), wakePng.toString()));
            Json.write(common.json, json);
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

    private static Map<String, Object> named(final Map<String, Object> summary, final String when)
    {
        summary.put("when", when);
        return summary;
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

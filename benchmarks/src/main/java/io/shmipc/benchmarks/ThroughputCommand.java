package io.shmipc.benchmarks;

import io.shmipc.tools.cli.DurationConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bench throughput}: one producer process, one consumer process, as many messages as the ring takes, through
 * our ring and through Agrona's {@code OneToOneRingBuffer}, for each message size, interleaved in short rounds
 * between the same two processes (the round method, see {@link Rounds}): each round runs every ring and size once,
 * shmipc and Agrona of one size next to each other, and the ratio shmipc / Agrona is taken within the round. A third
 * ring, shmipc-headers (the same ring, its consumer polling block headers instead of {@code writePos}), shows in
 * the same rounds what the spec rule's second cache line per message costs, and the layout's floor
 * ({@link LayoutFloor}) what any ring with the SimpleIPC v1 bytes can reach.
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
    description = {"Messages/s and MB/s from a producer process to a consumer process, shmipc ring and Agrona " +
        "OneToOneRingBuffer interleaved in short rounds between the same two processes, per message size, with " +
        "shmipc-headers (its consumer polling block headers, one cache line per message fewer) and the layout's " +
        "floor for each reading rule (floor-spec, floor-spec-headers: a minimal ring with these bytes); " +
        "the ratio is the median over rounds of each round's ratio, with its interquartile range.",
        "Both sides busy-spin (100%% of a core each) while a run lasts. MB/s counts payload bytes, 1 MB = 10^6 bytes."})
final class ThroughputCommand implements Callable<Integer>
{
    /**
     * The JSON of a run (fields in docs/benchmarks.md).
     */
    record Result(String command, String method, Machine machine, Settings settings, boolean descheduled,
        List<RingRate> results, List<SizeRatio> ratios, List<SizeRatio> headerRatios,
        List<SizeRatio> floorSpecRatios, List<SizeRatio> floorSpecHeaderRatios, List<BaselineRatio> baselineRatios)
    {
    }

    /**
     * The JSON of a run with {@code --forks} above 1: every fork's result, and each ratio over the forks.
     */
    record Forked(String command, String method, Machine machine, int forks, List<Result> runs,
        List<ForkRatio> overForks)
    {
    }

    /**
     * One ratio (e.g. {@code "shmipc-headers / agrona"}) at one size over the forks: the median of the forks' medians,
     * their lowest and highest, and each fork's.
     */
    record ForkRatio(String name, int messageBytes, double median, double min, double max, List<Double> perFork)
    {
    }

    /**
     * With {@code --baseline-jar}: a ring of this build to the same ring of the baseline build at one size
     * ({@code name} e.g. {@code "shmipc-headers / shmipc-headers@baseline"}), the median over rounds of each
     * round's ratio, its quartiles and each round's ratio.
     */
    record BaselineRatio(String name, int messageBytes, double median, double q1, double q3, List<Double> perRound)
    {
    }

    record Settings(String plan, int rounds, int ringCapacity, boolean trustWriter, int batch, int roundsUsed,
        List<Double> lowestCpuPercentPerRound)
    {
    }

    /**
     * One ring at one size over the rounds used: messages/s are the median over rounds and its quartiles, CPU is
     * percent of a core; {@code behindPercent} is the median over rounds of the share of messages the consumer read
     * with a backlog waiting ({@link RoundVariant#backlogged()}), with each round's share.
     */
    record RingRate(String name, int messageBytes, long messages, double seconds, long messagesPerSecond,
        long messagesPerSecondQ1, long messagesPerSecondQ3, double megabytesPerSecond, long consumerCpuPercent,
        long producerCpuPercent, List<Double> perRoundMessagesPerSecond, double behindPercent,
        List<Double> perRoundBehindPercent)
    {
    }

    /**
     * shmipc / agrona at one size (in {@code headerRatios}: shmipc-headers / agrona; in {@code floorSpecRatios} and
     * {@code floorSpecHeaderRatios}: the layout's floor / agrona, for each reading rule): the median over rounds of
     * each round's ratio, its quartiles, each round's ratio and the verdict of the goal "at least Agrona";
     * {@code sameRegime} is false when one of the two consumers was behind its producer and the other was not (see
     * {@link #BEHIND_PERCENT}); {@code bothKeptUp} and {@code bothBehind} are the ratio over only the rounds in which
     * both consumers kept up, or both were behind (null with fewer than {@link #MIN_SAME_REGIME_ROUNDS} of them).
     */
    record SizeRatio(int messageBytes, double shmipcToAgrona, double q1, double q3, List<Double> perRound,
        String goalAtLeastAgrona, boolean sameRegime, Rounds.Quartiles bothKeptUp, Rounds.Quartiles bothBehind)
    {
    }

    /** Fewest rounds in one regime for a ratio over those rounds alone. */
    static final int MIN_SAME_REGIME_ROUNDS = 3;

    /**
     * A consumer that read at least this share of its messages (median over rounds, percent) with a backlog of a
     * whole batch waiting was behind its producer: it read lines written long before. Below it, it kept up and read
     * lines its producer was still writing, so the two sides shared cache lines. Which regime a ring settles in
     * depends on which side is faster, and the rate differs between them by up to 3-5x on the build machine, so a
     * ratio of two rings in different regimes compares the regimes as much as the rings.
     */
    static final double BEHIND_PERCENT = 50.0;

    /**
     * The per-round ratios of the rounds in which both consumers were in one regime: both below
     * {@link #BEHIND_PERCENT} ({@code behindRegime} false: both kept up), or both at it or above.
     *
     * @param ratios  each round's ratio.
     * @param behindA each round's share of messages the first ring's consumer read behind, percent.
     * @param behindB the same for the second ring.
     * @param behindRegime true for the rounds in which both were behind, false for those in which both kept up.
     * @return those rounds' ratios, in round order.
     */
    static double[] sameRegimeRatios(final double[] ratios, final double[] behindA, final double[] behindB,
        final boolean behindRegime)
    {
        final double[] kept = new double[ratios.length];
        int n = 0;
        for (int r = 0; r < ratios.length; r++)
        {
            if (behindA[r] >= BEHIND_PERCENT == behindRegime && behindB[r] >= BEHIND_PERCENT == behindRegime)
            {
                kept[n++] = ratios[r];
            }
        }
        return Arrays.copyOf(kept, n);
    }

    private static String regimeText(final String regime, final Rounds.Quartiles ratio)
    {
        return null == ratio ? "" : String.format(Locale.ROOT, "; in the %d rounds in which both consumers %s: " +
            "%.2f (IQR %.2f-%.2f)", ratio.rounds(), regime, ratio.median(), ratio.q1(), ratio.q3());
    }

    private static Rounds.Quartiles regimeQuartiles(final double[] ratios)
    {
        return ratios.length < MIN_SAME_REGIME_ROUNDS ? null : Rounds.Quartiles.of(Rounds.spread(ratios));
    }

    /** Index of Agrona's ring in each size's group of variants, the reference of every ratio. */
    private static final int AGRONA = 1;

    /** Largest {@code --forks}. */
    static final int MAX_FORKS = 100;

    /** Largest {@code --batch}. */
    static final int MAX_BATCH = 4096;

    /** Issue 14's goal for batch publication: at least this ratio to Agrona. */
    static final double BATCH_GOAL = 1.2;

    @Mixin
    CommonOptions common;

    @Option(names = "--trust-writer",
        description = "The shmipc consumer polls block headers instead of writePos, as it may when both sides are " +
            "shmipc (ChannelConfig.trustPeer); without it a third ring, shmipc-headers, does so in the same rounds.")
    boolean trustWriter;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1",
        description = "The shmipc producer appends N messages and publishes them with one store (append + publish); " +
            "Agrona's ring has no batch publication and writes one message per publication; the layout's floors " +
            "publish N at once too. Goal with N > 1: at least 1.2x Agrona (default: ${DEFAULT-VALUE}, one write per " +
            "message).")
    int batch;

    @Option(names = "--baseline-jar", paramLabel = "JAR",
        description = "A benchmarks.jar of another shmipc build (e.g. built from an older commit): its rings are " +
            "measured too, as shmipc@baseline and shmipc-headers@baseline, between the same two processes in the " +
            "same rounds, with the ratios of this build to it.")
    Path baselineJar;

    @Option(names = "--forks", paramLabel = "N", defaultValue = "1",
        description = "Repeat the run in N fresh pairs of processes and give every ratio as the median over the " +
            "forks of each fork's median, with the forks' range: each pair of processes settles in its own compiled " +
            "code and cache regime, and at 32 B two identical builds measured 0.83x to 1.42x of each other from one " +
            "pair to the next (default: ${DEFAULT-VALUE}).")
    int forks;

    @Option(names = "--sizes", paramLabel = "BYTES", split = ",", defaultValue = "32,256,1024",
        description = "Message sizes in bytes, comma separated (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = "--rounds", paramLabel = "N",
        description = "Rounds; each runs every ring and size once (default: --duration / --round, or 20 with " +
            "--iterations).")
    Integer rounds;

    @Option(names = "--round", paramLabel = "TIME", defaultValue = "1s", converter = DurationConverter.class,
        description = "Length of one round, shared by the rings and sizes (default: ${DEFAULT-VALUE}).")
    Duration round;

    /**
     * The rule for {@code --sizes} of the commands that take several: each 8 (a payload's first word is read)
     * to {@link PingPongCommand#MAX_SIZE} bytes.
     *
     * @throws IllegalArgumentException naming the first size outside it.
     */
    static void checkSizes(final List<Integer> sizes)
    {
        for (final int size : sizes)
        {
            if (size < 8 || size > PingPongCommand.MAX_SIZE)
            {
                throw new IllegalArgumentException("--sizes: " + size + " is outside 8.." + PingPongCommand.MAX_SIZE);
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    public Integer call()
    {
        checkSizes(sizes);
        if (batch < 1 || batch > MAX_BATCH)
        {
            throw new IllegalArgumentException("--batch: " + batch + " is outside 1.." + MAX_BATCH);
        }
        if (forks < 1 || forks > MAX_FORKS)
        {
            throw new IllegalArgumentException("--forks: " + forks + " is outside 1.." + MAX_FORKS);
        }
        PingPongCommand.checkBaselineJar(baselineJar);
        final RunLength run = common.runLength("1s", "20s");
        final RoundPlan plan = new RoundPlan();
        plan.mode = "throughput";
        final int[][] groups = new int[sizes.size()][];
        final String[][] ringNames = new String[sizes.size()][];
        for (int s = 0; s < sizes.size(); s++)
        {
            final int size = sizes.get(s);
            final String suffix = " " + size + "B";
            final List<String> names = new ArrayList<>();
            final List<Integer> group = new ArrayList<>();
            final List<RoundPlan.Variant> rings = new ArrayList<>(); // this build's shmipc rings, for --baseline-jar
            final List<String> ringLabels = new ArrayList<>();
            final RoundPlan.Variant shmipc = RoundPlan.Variant.ring("shmipc" + suffix, "shmipc", size, "busy-spin");
            shmipc.trustWriter = trustWriter;
            shmipc.batch = batch;
            rings.add(shmipc);
            ringLabels.add("shmipc");
            names.add("shmipc");
            group.add(plan.add(shmipc));
            names.add("agrona");
            group.add(plan.add(RoundPlan.Variant.ring("agrona" + suffix, "agrona", size, "busy-spin")));
            if (!trustWriter)
            {
                // The same ring with a consumer polling block headers: what the spec rule's writePos line costs.
                final RoundPlan.Variant headers =
                    RoundPlan.Variant.ring("shmipc-headers" + suffix, "shmipc", size, "busy-spin");
                headers.trustWriter = true;
                headers.batch = batch;
                rings.add(headers);
                ringLabels.add("shmipc-headers");
                names.add("shmipc-headers");
                group.add(plan.add(headers));
                if (size >= LayoutFloor.MIN_SIZE)
                {
                    // the layout's floor (LayoutFloor): what any ring with these bytes can reach, per reading rule,
                    // publishing as often as the shmipc producer does
                    for (final boolean pollHeaders : new boolean[]{false, true})
                    {
                        final String floorName = pollHeaders ? PingPongCommand.FLOOR_SPEC_HEADERS :
                            PingPongCommand.FLOOR_SPEC;
                        final RoundPlan.Variant floor = RoundPlan.Variant.floorSpec(floorName + suffix, size,
                            pollHeaders);
                        floor.batch = batch;
                        names.add(floorName);
                        group.add(plan.add(floor));
                    }
                }
            }
            if (null != baselineJar)
            {
                for (int r = 0; r < rings.size(); r++)
                {
                    final String name = ringLabels.get(r) + PingPongCommand.BASELINE;
                    final RoundPlan.Variant base = RoundPlan.Variant.ring(name + suffix, "shmipc", size, "busy-spin");
                    base.trustWriter = rings.get(r).trustWriter;
                    base.batch = batch;
                    base.classPath = baselineJar.toAbsolutePath().toString();
                    names.add(name);
                    group.add(plan.add(base));
                }
            }
            groups[s] = group.stream().mapToInt(Integer::intValue).toArray();
            ringNames[s] = names.toArray(new String[0]);
        }
        plan.groups = groups;
        PingPongCommand.sliceAndRounds(plan, run, rounds, round, plan.variants.size());
        final BenchContext context = common.context();
        final Machine machine = Machine.describe(context.jvmOptions());
        final PrintStream out = System.out;
        context.progress().line("throughput: sizes " + sizes + ", " + plan.describe());

        final PairRun.Spec spec = new PairRun.Spec();
        spec.label = "throughput";
        spec.variant = "rounds";
        spec.activeRole = PeerCommand.CONSUMER;
        spec.passiveRole = PeerCommand.PRODUCER;
        spec.run = run;
        spec.plan = plan;
        spec.worstOperationNanos = 10_000;
        final List<Result> runs = new ArrayList<>();
        for (int fork = 1; fork <= forks; fork++)
        {
            if (forks > 1)
            {
                context.progress().line("throughput: fork " + fork + " of " + forks);
            }
            runs.add(report(PairRun.run(context, spec), plan, groups, ringNames, machine, out,
                forks > 1 ? "fork " + fork + " of " + forks + ": " : ""));
        }
        final List<ForkRatio> overForks = forks > 1 ? overForks(runs, out) : List.of();
        if (null != common.json)
        {
            if (1 == forks)
            {
                Json.write(common.json, runs.get(0));
            }
            else
            {
                Json.write(common.json, new Forked("throughput", "rounds", machine, forks, runs, overForks));
            }
            out.println("wrote " + common.json);
        }
        return 0;
    }

    /**
     * One run's report (one fork): prints it and returns its result.
     */
    private Result report(final PairRun.Outcome outcome, final RoundPlan plan, final int[][] groups,
        final String[][] ringNames, final Machine machine, final PrintStream out, final String fork)
    {
        final double[] lowestCpu = RoundReport.lowestCpuPerRound(outcome.active, outcome.passive,
            plan.variants.size(), plan.rounds);
        final int[] kept = Rounds.cleanRounds(lowestCpu, PingPongCommand.MIN_SPIN_CPU_PERCENT);
        final boolean descheduled = kept.length < PingPongCommand.MIN_ROUNDS;
        final int[] used = descheduled ? Rounds.cleanRounds(lowestCpu, 0) : kept;
        final List<RingRate> results = new ArrayList<>();
        final List<SizeRatio> ratios = new ArrayList<>();
        final List<SizeRatio> headerRatios = new ArrayList<>();
        final List<SizeRatio> floorRatios = new ArrayList<>();
        final List<SizeRatio> floorHeaderRatios = new ArrayList<>();
        final List<BaselineRatio> baselineRatios = new ArrayList<>();
        final List<String> lines = new ArrayList<>();
        for (int s = 0; s < sizes.size(); s++)
        {
            final int size = sizes.get(s);
            final String[] names = ringNames[s];
            final int variants = groups[s].length;
            final double[][] rates = new double[variants][];
            final double[][] behind = new double[variants][];
            final double[] behindMedian = new double[variants];
            for (int m = 0; m < variants; m++)
            {
                final int v = groups[s][m];
                final double[] ops = Rounds.select(RoundReport.counters(outcome.active, v, plan.rounds, "ops"), used);
                final double[] wall = Rounds.select(RoundReport.counters(outcome.active, v, plan.rounds, "wallNanos"),
                    used);
                final double[] backlogged =
                    Rounds.select(RoundReport.counters(outcome.active, v, plan.rounds, "backlogged"), used);
                behind[m] = new double[used.length];
                rates[m] = new double[used.length];
                double totalOps = 0;
                double totalWall = 0;
                for (int r = 0; r < used.length; r++)
                {
                    rates[m][r] = ops[r] * 1e9 / wall[r];
                    behind[m][r] = ops[r] > 0 ? 100.0 * backlogged[r] / ops[r] : 0;
                    totalOps += ops[r];
                    totalWall += wall[r];
                }
                final Rounds.Spread rate = Rounds.spread(rates[m]);
                behindMedian[m] = Rounds.spread(behind[m]).median;
                results.add(new RingRate(names[m], size, (long)totalOps, totalWall / 1e9,
                    Math.round(rate.median), Math.round(rate.q1), Math.round(rate.q3),
                    Math.round(rate.median * size / 1e6 * 10) / 10.0,
                    Math.round(RoundReport.driverCpuPercent(outcome.active, v, plan.rounds)),
                    Math.round(RoundReport.serverCpuPercent(outcome.passive, v, "measure")),
                    Rounds.significant(rates[m]), Math.round(behindMedian[m] * 10) / 10.0,
                    Rounds.significant(behind[m])));
            }
            for (int m = 0; m < variants; m++)
            {
                if (names[m].endsWith(PingPongCommand.BASELINE))
                {
                    final String ring = names[m].substring(0, names[m].length() - PingPongCommand.BASELINE.length());
                    final double[] perRound = Rounds.ratios(rates[Arrays.asList(names).indexOf(ring)], rates[m]);
                    final Rounds.Spread ratio = Rounds.spread(perRound);
                    final String name = ring + " / " + names[m];
                    baselineRatios.add(new BaselineRatio(name, size, Latency.significant(ratio.median),
                        Latency.significant(ratio.q1), Latency.significant(ratio.q3), Rounds.significant(perRound)));
                    lines.add(String.format(Locale.ROOT, "%s, %d bytes: %s messages/s (this build to the baseline)",
                        name, size, ratio.format()));
                    continue; // judged against this build's ring, not against Agrona
                }
                if (AGRONA == m)
                {
                    continue;
                }
                final double[] perRound = Rounds.ratios(rates[m], rates[AGRONA]);
                final Rounds.Spread ratio = Rounds.spread(perRound);
                final double goal = batch > 1 ? BATCH_GOAL : 1.0;
                final Rounds.Verdict verdict = descheduled ? Rounds.Verdict.DESCHEDULED : Rounds.atLeast(ratio, goal);
                final boolean floor = names[m].startsWith(PingPongCommand.FLOOR_SPEC);
                final List<SizeRatio> list = "shmipc".equals(names[m]) ? ratios :
                    "shmipc-headers".equals(names[m]) ? headerRatios :
                    PingPongCommand.FLOOR_SPEC.equals(names[m]) ? floorRatios : floorHeaderRatios;
                final double behindRing = behindMedian[m];
                final double behindAgrona = behindMedian[AGRONA];
                final boolean sameRegime = behindRing >= BEHIND_PERCENT == behindAgrona >= BEHIND_PERCENT;
                final Rounds.Quartiles keptUp =
                    regimeQuartiles(sameRegimeRatios(perRound, behind[m], behind[AGRONA], false));
                final Rounds.Quartiles bothBehind =
                    regimeQuartiles(sameRegimeRatios(perRound, behind[m], behind[AGRONA], true));
                list.add(new SizeRatio(size, Latency.significant(ratio.median),
                    Latency.significant(ratio.q1), Latency.significant(ratio.q3), Rounds.significant(perRound),
                    verdict.name().toLowerCase(Locale.ROOT), sameRegime, keptUp, bothBehind));
                lines.add(String.format(Locale.ROOT, "%s / agrona, %d bytes: %s messages/s; goal >= %.2f (%s): %s",
                    trustWriter ? "shmipc (block headers)" : names[m], size, ratio.format(), goal, batch > 1 ?
                    "shmipc publishes " + batch + " messages at once" : "one publication per message",
                    RoundReport.verdict(verdict, ratio)) + (floor ? " (the layout's floor: a goal it misses, a " +
                    "minimal ring with the SimpleIPC v1 bytes misses here too while its consumer is in the floor's " +
                    "regime)" : "") + (sameRegime ? "" :
                    String.format(Locale.ROOT, "; regimes differ: its consumer was behind for %.0f%% of the " +
                    "messages, agrona's for %.0f%%, so the ratio compares a consumer reading old lines with one " +
                    "sharing lines with its producer", behindRing, behindAgrona)) + regimeText("kept up", keptUp) +
                    regimeText("were behind", bothBehind));
            }
        }

        out.println();
        out.println(fork + "throughput, one producer process -> one consumer process, ring capacity " +
            PairRun.CAPACITY +
            " bytes, " + (batch > 1 ? "shmipc: " + batch + " appends per publication, agrona: one write per message" :
            "one write (one publication) per message") + (trustWriter ?
            ", the shmipc consumer polls block headers (--trust-writer)" : ", shmipc-headers: the same ring with a " +
            "consumer that polls block headers (one cache line per message fewer than the spec rule); floor-spec " +
            "and floor-spec-headers: the layout's floor for each reading rule" + (batch > 1 ?
            ", publishing " + batch + " messages at once" : "")) + "; " +
            plan.describe() + ", the rings alternating between the same two processes");
        out.println(machine.line());
        out.printf("%-23s %6s %32s %10s %14s %14s %16s%n", "ring", "bytes", "messages/s, median (IQR)", "MB/s",
            "consumer CPU", "producer CPU", "consumer behind");
        for (final RingRate r : results)
        {
            out.printf("%-23s %6d %32s %10.1f %13d%% %13d%% %15.0f%%%n", r.name(), r.messageBytes(),
                String.format("%,d (%,d-%,d)", r.messagesPerSecond(), r.messagesPerSecondQ1(),
                    r.messagesPerSecondQ3()), r.megabytesPerSecond(), r.consumerCpuPercent(), r.producerCpuPercent(),
                r.behindPercent());
        }
        out.println("consumer behind: share of its messages the consumer read with a batch of " +
            ThroughputConsumer.BATCH + " or more waiting (median over rounds); at " + Math.round(BEHIND_PERCENT) +
            "% or more it was behind its producer, reading lines written long before, below it kept up and shared " +
            "lines with it");
        out.println("rounds used: " + used.length + " of " + plan.rounds + (!descheduled && used.length < plan.rounds ?
            " (the others had a busy-spinning side below " + Math.round(PingPongCommand.MIN_SPIN_CPU_PERCENT) +
            "% of a core: descheduled)" : ""));
        if (descheduled)
        {
            out.printf("WARNING: only %d of %d rounds had both busy-spinning sides at %.0f%% of a core or more: " +
                "other work competed for the CPUs, the figures (all rounds) describe the scheduler, and nothing is " +
                "judged%n", kept.length, plan.rounds, PingPongCommand.MIN_SPIN_CPU_PERCENT);
        }
        out.println("median over rounds of each round's ratio (IQR):");
        lines.forEach(out::println);
        final Settings settings = new Settings(plan.describe(), plan.rounds, PairRun.CAPACITY, trustWriter, batch,
            used.length, Rounds.significant(lowestCpu));
        return new Result("throughput", "rounds", machine, settings, descheduled, results, ratios, headerRatios,
            floorRatios, floorHeaderRatios, baselineRatios);
    }

    /**
     * Every ratio of the forks, as the median over the forks of each fork's median, with the forks' range: printed,
     * and returned for the JSON.
     */
    private static List<ForkRatio> overForks(final List<Result> runs, final PrintStream out)
    {
        final String[] names = {"shmipc / agrona", "shmipc-headers / agrona", PingPongCommand.FLOOR_SPEC +
            " / agrona", PingPongCommand.FLOOR_SPEC_HEADERS + " / agrona"};
        final Map<RatioKey, List<Double>> perFork = new LinkedHashMap<>();
        for (final Result run : runs)
        {
            final List<List<SizeRatio>> lists = List.of(run.ratios(), run.headerRatios(), run.floorSpecRatios(),
                run.floorSpecHeaderRatios());
            for (int l = 0; l < lists.size(); l++)
            {
                for (final SizeRatio ratio : lists.get(l))
                {
                    perFork.computeIfAbsent(new RatioKey(names[l], ratio.messageBytes()), k -> new ArrayList<>())
                        .add(ratio.shmipcToAgrona());
                }
            }
            for (final BaselineRatio ratio : run.baselineRatios())
            {
                perFork.computeIfAbsent(new RatioKey(ratio.name(), ratio.messageBytes()), k -> new ArrayList<>())
                    .add(ratio.median());
            }
        }
        out.println();
        out.println("over " + runs.size() + " forks (fresh pairs of processes), median of the forks' median ratios " +
            "(range):");
        final List<ForkRatio> result = new ArrayList<>();
        perFork.forEach((key, values) ->
        {
            final double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            final double median = Rounds.spread(sorted).median;
            out.printf(Locale.ROOT, "%s, %d bytes: %.2f (%.2f-%.2f)%n", key.name(), key.messageBytes(), median,
                sorted[0], sorted[sorted.length - 1]);
            result.add(new ForkRatio(key.name(), key.messageBytes(), Latency.significant(median), sorted[0],
                sorted[sorted.length - 1], values));
        });
        return result;
    }

    /** A ratio's identity across forks. */
    private record RatioKey(String name, int messageBytes)
    {
    }
}

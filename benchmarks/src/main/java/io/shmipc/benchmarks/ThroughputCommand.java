package io.shmipc.benchmarks;

import io.shmipc.tools.cli.DurationConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bench throughput}: one producer process, one consumer process, as many messages as the ring takes, through
 * our ring and through Agrona's {@code OneToOneRingBuffer}, for each message size, interleaved in short rounds
 * between the same two processes (the round method, see {@link Rounds}): each round runs every ring and size once,
 * shmipc and Agrona of one size next to each other, and the ratio shmipc / Agrona is taken within the round.
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
    description = {"Messages/s and MB/s from a producer process to a consumer process, shmipc ring and Agrona " +
        "OneToOneRingBuffer interleaved in short rounds between the same two processes, per message size; the " +
        "ratio is the median over rounds of each round's ratio, with its interquartile range.",
        "Both sides busy-spin (100%% of a core each) while a run lasts. MB/s counts payload bytes, 1 MB = 10^6 bytes."})
final class ThroughputCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Option(names = "--trust-writer",
        description = "The shmipc consumer polls block headers instead of writePos, as it may when both sides are " +
            "shmipc (ChannelConfig.trustPeer).")
    boolean trustWriter;

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
     * {@inheritDoc}
     */
    public Integer call()
    {
        for (final int size : sizes)
        {
            if (size < 8 || size > PingPongCommand.MAX_SIZE)
            {
                throw new IllegalArgumentException("--sizes: " + size + " is outside 8.." + PingPongCommand.MAX_SIZE);
            }
        }
        final RunLength run = common.runLength("1s", "20s");
        final RoundPlan plan = new RoundPlan();
        plan.mode = "throughput";
        final int[][] groups = new int[sizes.size()][];
        for (int s = 0; s < sizes.size(); s++)
        {
            final int size = sizes.get(s);
            final RoundPlan.Variant shmipc = RoundPlan.Variant.ring("shmipc " + size + "B", "shmipc", size, "busy-spin");
            shmipc.trustWriter = trustWriter;
            groups[s] = new int[]{plan.add(shmipc),
                plan.add(RoundPlan.Variant.ring("agrona " + size + "B", "agrona", size, "busy-spin"))};
        }
        plan.groups = groups;
        PingPongCommand.sliceAndRounds(plan, run, rounds, round, plan.variants.size());
        final BenchContext context = common.context();
        final Map<String, Object> machine = Machine.describe(context.jvmOptions());
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
        final PairRun.Outcome outcome = PairRun.run(context, spec);

        final double[] lowestCpu = RoundReport.lowestCpuPerRound(outcome.active, outcome.passive,
            plan.variants.size(), plan.rounds);
        final int[] kept = Rounds.cleanRounds(lowestCpu, PingPongCommand.MIN_SPIN_CPU_PERCENT);
        final boolean descheduled = kept.length < PingPongCommand.MIN_ROUNDS;
        final int[] used = descheduled ? Rounds.cleanRounds(lowestCpu, 0) : kept;
        final List<Map<String, Object>> results = new ArrayList<>();
        final List<Map<String, Object>> ratios = new ArrayList<>();
        final List<String> lines = new ArrayList<>();
        for (int s = 0; s < sizes.size(); s++)
        {
            final int size = sizes.get(s);
            final double[][] rates = new double[2][];
            for (int m = 0; m < 2; m++)
            {
                final int v = groups[s][m];
                final double[] ops = Rounds.select(RoundReport.counters(outcome.active, v, plan.rounds, "ops"), used);
                final double[] wall = Rounds.select(RoundReport.counters(outcome.active, v, plan.rounds, "wallNanos"),
                    used);
                rates[m] = new double[used.length];
                double totalOps = 0;
                double totalWall = 0;
                for (int r = 0; r < used.length; r++)
                {
                    rates[m][r] = ops[r] * 1e9 / wall[r];
                    totalOps += ops[r];
                    totalWall += wall[r];
                }
                final Rounds.Spread rate = Rounds.spread(rates[m]);
                final Map<String, Object> result = new LinkedHashMap<>();
                result.put("name", m == 0 ? "shmipc" : "agrona");
                result.put("messageBytes", size);
                result.put("messages", (long)totalOps);
                result.put("seconds", totalWall / 1e9);
                result.put("messagesPerSecond", Math.round(rate.median));
                result.put("messagesPerSecondQ1", Math.round(rate.q1));
                result.put("messagesPerSecondQ3", Math.round(rate.q3));
                result.put("megabytesPerSecond", Math.round(rate.median * size / 1e6 * 10) / 10.0);
                result.put("consumerCpuPercent", Math.round(RoundReport.driverCpuPercent(outcome.active, v,
                    plan.rounds)));
                result.put("producerCpuPercent", Math.round(RoundReport.serverCpuPercent(outcome.passive, v,
                    "measure")));
                result.put("perRoundMessagesPerSecond", Rounds.jsonValues(rates[m]));
                results.add(result);
            }
            final double[] perRound = Rounds.ratios(rates[0], rates[1]);
            final Rounds.Spread ratio = Rounds.spread(perRound);
            final Rounds.Verdict verdict = descheduled ? Rounds.Verdict.DESCHEDULED : Rounds.atLeast(ratio, 1.0);
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("messageBytes", size);
            entry.put("shmipcToAgrona", Latency.significant(ratio.median));
            entry.put("q1", Latency.significant(ratio.q1));
            entry.put("q3", Latency.significant(ratio.q3));
            entry.put("perRound", Rounds.jsonValues(perRound));
            entry.put("goalAtLeastAgrona", verdict.name().toLowerCase(Locale.ROOT));
            ratios.add(entry);
            lines.add(String.format(Locale.ROOT, "shmipc / agrona, %d bytes: %s messages/s; goal >= 1.00 (one " +
                "publication per message): %s", size, ratio.format(), RoundReport.verdict(verdict, ratio)));
        }

        out.println();
        out.println("throughput, one producer process -> one consumer process, ring capacity " + PairRun.CAPACITY +
            " bytes, one write (one publication) per message" + (trustWriter ?
            ", the shmipc consumer polls block headers (--trust-writer)" : "") + "; " + plan.describe() +
            ", shmipc and agrona alternating between the same two processes");
        out.println(Machine.line(machine));
        out.printf("%-8s %6s %32s %10s %14s %14s%n", "ring", "bytes", "messages/s, median (IQR)", "MB/s",
            "consumer CPU", "producer CPU");
        for (final Map<String, Object> r : results)
        {
            out.printf("%-8s %6d %32s %10.1f %13d%% %13d%%%n", r.get("name"), r.get("messageBytes"),
                String.format("%,d (%,d-%,d)", r.get("messagesPerSecond"), r.get("messagesPerSecondQ1"),
                    r.get("messagesPerSecondQ3")), r.get("megabytesPerSecond"), r.get("consumerCpuPercent"),
                r.get("producerCpuPercent"));
        }
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

        if (null != common.json)
        {
            final Map<String, Object> json = new LinkedHashMap<>();
            json.put("command", "throughput");
            json.put("method", "rounds");
            json.put("machine", machine);
            final Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("plan", plan.describe());
            settings.put("rounds", plan.rounds);
            settings.put("ringCapacity", PairRun.CAPACITY);
            settings.put("trustWriter", trustWriter);
            json.put("settings", settings);
            json.put("descheduled", descheduled);
            settings.put("roundsUsed", used.length);
            settings.put("lowestCpuPercentPerRound", Rounds.jsonValues(lowestCpu));
            json.put("results", results);
            json.put("ratios", ratios);
            Json.write(common.json, json);
            out.println("wrote " + common.json);
        }
        return 0;
    }
}

package io.shmipc.benchmarks;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bench throughput}: one producer process, one consumer process, as many messages as the ring takes, for
 * each message size, through our ring and through Agrona's {@code OneToOneRingBuffer} in the same run.
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
    description = {"Messages/s and MB/s from a producer process to a consumer process, shmipc ring and Agrona " +
        "OneToOneRingBuffer side by side, per message size.",
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
        final RunLength run = common.runLength("1s", "3s");
        final BenchContext context = common.context();
        final Map<String, Object> machine = Machine.describe(context.jvmOptions());
        final PrintStream out = System.out;
        context.progress().line("throughput: sizes " + sizes + ", " + run);

        final List<Map<String, Object>> results = new ArrayList<>();
        final List<Map<String, Object>> ratios = new ArrayList<>();
        for (final int size : sizes)
        {
            final Map<String, Map<String, Object>> bySize = new LinkedHashMap<>();
            for (final String ring : new String[]{"shmipc", "agrona"})
            {
                final PairRun.Spec spec = new PairRun.Spec();
                spec.label = ring + " " + size + " B";
                spec.variant = ring;
                spec.activeRole = PeerCommand.CONSUMER;
                spec.passiveRole = PeerCommand.PRODUCER;
                spec.size = size;
                spec.run = run;
                spec.worstOperationNanos = 10_000;
                spec.trustWriter = trustWriter && "shmipc".equals(ring);
                final PairRun.Outcome outcome = PairRun.run(context, spec);
                final long messages = outcome.active.getLong("messages");
                final long bytes = outcome.active.getLong("bytes");
                final long nanos = outcome.active.getLong("measure.wallNanos");
                final Map<String, Object> result = new LinkedHashMap<>();
                result.put("name", ring);
                result.put("messageBytes", size);
                result.put("messages", messages);
                result.put("seconds", nanos / 1e9);
                result.put("messagesPerSecond", Math.round(messages * 1e9 / nanos));
                result.put("megabytesPerSecond", Math.round(bytes * 1e9 / nanos / 1e6 * 10) / 10.0);
                result.put("consumerCpuPercent", Math.round(outcome.active.cpuPercent("measure")));
                result.put("producerCpuPercent", Math.round(outcome.passive.cpuPercent("measure")));
                results.add(result);
                bySize.put(ring, result);
            }
            final Map<String, Object> ratio = new LinkedHashMap<>();
            ratio.put("messageBytes", size);
            ratio.put("shmipcToAgrona", Latency.significant((double)(Long)bySize.get("shmipc").get("messagesPerSecond") /
                (Long)bySize.get("agrona").get("messagesPerSecond")));
            ratios.add(ratio);
        }

        out.println();
        out.println("throughput, one producer process -> one consumer process, " + run + ", ring capacity " +
            PairRun.CAPACITY + " bytes, one write (one publication) per message");
        out.println(Machine.line(machine));
        out.printf("%-8s %6s %14s %10s %14s %14s%n", "ring", "bytes", "messages/s", "MB/s", "consumer CPU",
            "producer CPU");
        for (final Map<String, Object> r : results)
        {
            out.printf("%-8s %6d %,14d %10.1f %13d%% %13d%%%n", r.get("name"), r.get("messageBytes"),
                r.get("messagesPerSecond"), r.get("megabytesPerSecond"), r.get("consumerCpuPercent"),
                r.get("producerCpuPercent"));
        }
        for (final Map<String, Object> ratio : ratios)
        {
            out.printf("shmipc / agrona, %d bytes: %.2fx messages/s%n", ratio.get("messageBytes"),
                ratio.get("shmipcToAgrona"));
        }

        if (null != common.json)
        {
            final Map<String, Object> json = new LinkedHashMap<>();
            json.put("command", "throughput");
            json.put("machine", machine);
            final Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("run", run.toString());
            settings.put("ringCapacity", PairRun.CAPACITY);
            settings.put("trustWriter", trustWriter);
            json.put("settings", settings);
            json.put("results", results);
            json.put("ratios", ratios);
            Json.write(common.json, json);
            out.println("wrote " + common.json);
        }
        return 0;
    }
}

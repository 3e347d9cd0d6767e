package io.shmipc.benchmarks;

import io.shmipc.idle.IdleStrategies;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bench pingpong}: round trips between two processes through our ring, through Agrona's
 * {@code OneToOneRingBuffer} over a mapped file, and through a raw cache-line ping-pong (the hardware floor), with
 * the same settings in one run. The floor is probed right before and after each ring variant, since it drifts on
 * shared virtual machines.
 */
@Command(name = "pingpong", mixinStandardHelpOptions = true,
    description = {"Round-trip latency between two processes: shmipc ring, Agrona OneToOneRingBuffer and the raw " +
        "cache-line floor, in one run with the same settings.",
        "Runs: floor, shmipc, floor, agrona, floor; each in two fresh JVMs. Busy-spinning burns 100%% of a core " +
            "on each side while it runs."})
final class PingPongCommand implements Callable<Integer>
{
    static final int MIN_SIZE = 16;
    static final int MAX_SIZE = 64 * 1024;

    @Mixin
    CommonOptions common;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "32",
        description = "Message size in bytes, " + MIN_SIZE + ".." + MAX_SIZE + " (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--idle", paramLabel = "STRATEGY", defaultValue = "busy-spin",
        description = "Idle strategy of both readers, e.g. busy-spin, yield, backoff, wait (default: " +
            "${DEFAULT-VALUE}). With wait, our writers post only to a sleeping reader; Agrona's post every time.")
    String idle;

    @Option(names = "--trust-writer",
        description = "Both shmipc readers poll block headers instead of writePos, as they may when both sides are " +
            "shmipc (ChannelConfig.trustPeer); the bytes stay those of the C++/Go layout.")
    boolean trustWriter;

    @Option(names = "--placement", defaultValue = "none",
        description = "none, separate (two physical cores) or smt (two siblings of one core) (default: ${DEFAULT-VALUE}).")
    String placement;

    /**
     * {@inheritDoc}
     */
    public Integer call()
    {
        checkSize(size);
        final String idleSpec = IdleStrategies.parse(idle).toString();
        final RunLength run = common.runLength("200000", "1000000");
        final CpuPlacement cpus = CpuPlacement.resolve(placement);
        if (!cpus.isAvailable())
        {
            throw new IllegalArgumentException("--placement " + placement + " is not possible here: " +
                cpus.unavailableReason());
        }
        final BenchContext context = common.context();
        final Path outDir = common.outDirectory();
        final Map<String, Object> machine = Machine.describe(context.jvmOptions());
        final PrintStream out = System.out;
        context.progress().line("pingpong: " + size + "-byte messages, " + run + ", idle " + idleSpec +
            ", placement " + cpus);

        final List<Histogram> floors = new ArrayList<>();
        final Map<String, Histogram> variants = new LinkedHashMap<>();
        final Map<String, double[]> cpuPercent = new LinkedHashMap<>();
        floors.add(measure(context, "floor", "busy-spin", run, cpus, "floor probe 1", cpuPercent));
        for (final String ring : new String[]{"shmipc", "agrona"})
        {
            variants.put(ring, measure(context, ring, idleSpec, run, cpus, ring, cpuPercent));
            floors.add(measure(context, "floor", "busy-spin", run, cpus, "floor probe " + (floors.size() + 1),
                cpuPercent));
        }
        final Histogram floor = merge(floors);
        variants.put("floor", floor);

        final int width = 22;
        out.println();
        out.println("pingpong round trip, " + size + "-byte messages, " + run + ", idle " + idleSpec +
            ", placement " + cpus + (trustWriter ? ", shmipc readers poll block headers (--trust-writer)" : ""));
        out.println(Machine.line(machine));
        out.println(Latency.header("variant", width));
        int index = 0;
        for (final Map.Entry<String, Histogram> e : variants.entrySet())
        {
            if ("floor".equals(e.getKey()))
            {
                out.println(Latency.row("floor (all probes)", width, e.getValue()));
                continue;
            }
            out.println(Latency.row(e.getKey(), width, e.getValue()));
            out.println(Latency.row("  floor before", width, floors.get(index)));
            out.println(Latency.row("  floor after", width, floors.get(index + 1)));
            index++;
        }
        final Histogram shmipc = variants.get("shmipc");
        final Histogram agrona = variants.get("agrona");
        final Histogram shmipcFloor = merge(floors.subList(0, 2));
        final Histogram agronaFloor = merge(floors.subList(1, 3));
        out.println(Latency.ratioRow("shmipc / agrona", width, shmipc, agrona));
        out.println(Latency.ratioRow("shmipc / its floor", width, shmipc, shmipcFloor));
        out.println(Latency.ratioRow("agrona / its floor", width, agrona, agronaFloor));
        out.println(Latency.ratioRow("shmipc / all floors", width, shmipc, floor));
        final long[] s = Latency.points(shmipc);
        final long[] a = Latency.points(agrona);
        final long[] f = Latency.points(shmipcFloor);
        final boolean p50Ok = s[0] <= a[0];
        final boolean p99Ok = s[2] <= a[2];
        final boolean floorOk = s[0] <= 1.5 * f[0];
        out.println("goal (busy-spin): shmipc p50 <= agrona p50: " + verdict(p50Ok) + "; shmipc p99 <= agrona p99: " +
            verdict(p99Ok) + "; shmipc p50 <= 1.5 x floor p50 (probes around it): " + verdict(floorOk));
        for (final Map.Entry<String, double[]> e : cpuPercent.entrySet())
        {
            out.printf("CPU over the measurement, %s: pinger %.0f%%, ponger %.0f%% of a core%n",
                e.getKey(), e.getValue()[0], e.getValue()[1]);
        }

        final Map<String, String> files = new LinkedHashMap<>();
        for (final Map.Entry<String, Histogram> e : variants.entrySet())
        {
            final Path hgrm = outDir.resolve("pingpong-" + e.getKey() + ".hgrm");
            Latency.writeHgrm(hgrm, e.getValue());
            files.put(e.getKey(), hgrm.toString());
        }
        final Path png = outDir.resolve("pingpong.png");
        new PercentilePlot("pingpong round trip, " + size + " B, idle " + idle + ", placement " + cpus.name(),
            machine.get("cpuModel") + ", " + machine.get("cpusOnline") + " CPUs, " + machine.get("kernel") + ", " +
            machine.get("jdk") + "; " + run, "round-trip latency")
            .line("shmipc", shmipc).line("agrona", agrona).line("floor", floor).write(png);
        out.println("wrote " + String.join(", ", files.values()) + ", " + png);

        if (null != common.json)
        {
            final Map<String, Object> json = new LinkedHashMap<>();
            json.put("command", "pingpong");
            json.put("machine", machine);
            final Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("messageBytes", size);
            settings.put("idle", idleSpec);
            settings.put("placement", cpus.toString());
            settings.put("trustWriter", trustWriter);
            settings.put("run", run.toString());
            settings.put("ringCapacity", PairRun.CAPACITY);
            json.put("settings", settings);
            final List<Object> list = new ArrayList<>();
            index = 0;
            for (final Map.Entry<String, Histogram> e : variants.entrySet())
            {
                final Map<String, Object> v = Latency.summary(e.getKey(), e.getValue());
                v.put("hgrm", files.get(e.getKey()));
                if (!"floor".equals(e.getKey()))
                {
                    v.put("floorBefore", Latency.summary("floor", floors.get(index)));
                    v.put("floorAfter", Latency.summary("floor", floors.get(index + 1)));
                    v.put("pingerCpuPercent", cpuPercent.get(e.getKey())[0]);
                    v.put("pongerCpuPercent", cpuPercent.get(e.getKey())[1]);
                    index++;
                }
                else
                {
                    final List<Object> probes = new ArrayList<>();
                    for (final Histogram probe : floors)
                    {
                        probes.add(Latency.summary("floor", probe));
                    }
                    v.put("probes", probes);
                }
                list.add(v);
            }
            json.put("variants", list);
            final Map<String, Object> ratios = new LinkedHashMap<>();
            ratios.put("shmipcToAgrona", Latency.ratios(shmipc, agrona));
            ratios.put("shmipcToFloor", Latency.ratios(shmipc, shmipcFloor));
            ratios.put("agronaToFloor", Latency.ratios(agrona, agronaFloor));
            json.put("ratios", ratios);
            final Map<String, Object> goal = new LinkedHashMap<>();
            goal.put("p50NoWorseThanAgrona", p50Ok);
            goal.put("p99NoWorseThanAgrona", p99Ok);
            goal.put("p50Within1_5xFloor", floorOk);
            json.put("goal", goal);
            json.put("plot", png.toString());
            Json.write(common.json, json);
            out.println("wrote " + common.json);
        }
        return 0;
    }

    private Histogram measure(
        final BenchContext context,
        final String variant,
        final String idleSpec,
        final RunLength run,
        final CpuPlacement cpus,
        final String label,
        final Map<String, double[]> cpuPercent)
    {
        final PairRun.Spec spec = new PairRun.Spec();
        spec.label = label;
        spec.variant = variant;
        spec.idle = idleSpec;
        spec.signals = idleSpec.startsWith(IdleStrategies.WAIT);
        spec.trustWriter = trustWriter && "shmipc".equals(variant);
        spec.size = size;
        spec.run = run;
        spec.activeCpu = cpus.activeCpu();
        spec.passiveCpu = cpus.passiveCpu();
        final PairRun.Outcome outcome = PairRun.run(context, spec);
        if (!"floor".equals(variant))
        {
            cpuPercent.put(variant, new double[]{
                outcome.active.cpuPercent("measure"), outcome.passive.cpuPercent("measure")});
        }
        return outcome.active.histogram("histogram");
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

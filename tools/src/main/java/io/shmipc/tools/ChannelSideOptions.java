package io.shmipc.tools;

import io.shmipc.affinity.PlacementSpec;
import io.shmipc.affinity.CpuSet;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.ReadMode;
import io.shmipc.core.channel.ThreadingMode;
import io.shmipc.core.channel.WriteMode;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The options {@code host} and {@code guest} share: how each side's agents get threads, how its reader and writer
 * idle, where they run, and whether the peer is trusted to be shmipc. An option not given leaves the setting to the
 * {@code -Dshmipc.*} system property, then to {@link ChannelConfig}'s default: the command line never overrides a
 * property with a default of its own.
 */
final class ChannelSideOptions
{
    @Option(names = "--threading", converter = ThreadingConverter.class,
        description = "Threads of the side's agents: dedicated (a reader, a writer and a sleeping conductor thread) " +
        "or shared (one thread for all; two processes then need only two CPUs) (default: -D" +
        ChannelConfig.THREADING_MODE_PROP + " or dedicated).")
    ThreadingMode threading;

    @Option(names = "--idle",
        description = "Idle strategy of the reader: busy-spin (100%% of a core), yield, no-op, backoff[:...], " +
        "wait[:...] (default: -D" + ChannelConfig.READER_IDLE_PROP + " or " + ChannelConfig.DEFAULT_IDLE + ").")
    String idle;

    @Option(names = "--writer-idle", description = "Idle strategy of the writer thread (default: as --idle, else -D" +
        ChannelConfig.WRITER_IDLE_PROP + " or " + ChannelConfig.DEFAULT_IDLE + ").")
    String writerIdle;

    @Option(names = "--reader-cpu",
        description = "CPU placement of the reader: none, cpu=N, cpus=LIST, isolated, ... (default: -D" +
        ChannelConfig.READER_AFFINITY_PROP + " or none).")
    String readerCpu;

    @Option(names = "--writer-cpu",
        description = "CPU placement of the writer, e.g. sibling-of=reader (default: -D" +
        ChannelConfig.WRITER_AFFINITY_PROP + " or none).")
    String writerCpu;

    @Option(names = SideCpus.OPTION,
        description = "CPUs of this side's threads (calling threads, agents, workers): auto (the host takes the " +
            "first half of the allowed CPUs, the guest the rest, so the two never compete for a CPU; Linux only), " +
            "none (the scheduler's choice) or a CPU list such as 1 or 2-3 (default: " + SideCpus.DEFAULT + ").")
    String cpus;

    @Option(names = "--trust-peer",
        description = "The peer is shmipc: the reader polls block headers instead of writePos (faster). Never with a " +
            "C++/Go peer.")
    boolean trustPeer;

    /**
     * @param builder the side's configuration.
     * @return the builder, with these options applied.
     */
    ChannelConfig.Builder applyTo(final ChannelConfig.Builder builder)
    {
        if (null != idle)
        {
            builder.readerIdle(idle);
        }
        if (null != writerIdle || null != idle)
        {
            builder.writerIdle(null == writerIdle ? idle : writerIdle);
        }
        if (null != readerCpu)
        {
            builder.readerAffinity(readerCpu);
        }
        if (null != writerCpu)
        {
            builder.writerAffinity(writerCpu);
        }
        if (null != threading)
        {
            builder.threadingMode(threading);
        }
        return builder.trustPeer(trustPeer);
    }

    /**
     * Pin this process's threads to this side's {@code --cpus}, before it starts any thread of the side (see
     * {@link SideCpus}).
     *
     * @return the CPUs, or null when the threads are left to the scheduler.
     * @throws IllegalArgumentException if {@code --cpus} is malformed or names CPUs this process may not use.
     */
    CpuSet pinCommandThreads(final SideCpus.Side side)
    {
        return SideCpus.pinProcess(cpus, side);
    }

    /**
     * @param pinned what {@link #pinCommandThreads} returned.
     * @return the line that says where this side's threads run.
     */
    String describeCpus(final CpuSet pinned)
    {
        return SideCpus.describe(pinned, cpus);
    }

    /**
     * The CPU options given (other than {@code none}) for a thread this side does not start: {@code --writer-cpu}
     * without a writer thread (the threads that send write themselves, or one shared thread runs everything) and
     * {@code --reader-cpu} without a reader thread (the calling threads read).
     *
     * @param config the side's configuration, built with these options.
     * @return one line per such option, saying it has no effect and why; empty when every given option is used.
     */
    List<String> unusedPlacements(final ChannelConfig config)
    {
        final List<String> notes = new ArrayList<>(2);
        final boolean dedicated = config.threadingMode() == ThreadingMode.DEDICATED;
        if (pins(writerCpu) && (!dedicated || config.writeMode() != WriteMode.WRITER_THREAD))
        {
            notes.add("--writer-cpu " + writerCpu + " has no effect: there is no writer thread (" + (dedicated ?
                "write mode " + config.writeMode() + ": the threads that send write themselves" :
                "threading " + lowerCase(config.threadingMode()) + ": one thread runs every agent, placed by " +
                "--reader-cpu") + ")");
        }
        if (pins(readerCpu) && dedicated && config.readMode() != ReadMode.READER_THREAD)
        {
            notes.add("--reader-cpu " + readerCpu + " has no effect: there is no reader thread (read mode " +
                config.readMode() + ": the calling threads read)");
        }
        return notes;
    }

    private static boolean pins(final String cpuOption)
    {
        return null != cpuOption && !PlacementSpec.NONE.equals(PlacementSpec.parse(cpuOption));
    }

    private static String lowerCase(final ThreadingMode mode)
    {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code --threading}: the commands run their agents on threads, so INVOKER is refused here. */
    static final class ThreadingConverter implements CommandLine.ITypeConverter<ThreadingMode>
    {
        public ThreadingMode convert(final String value)
        {
            final ThreadingMode mode = ThreadingMode.parse(value, "--threading");
            if (mode == ThreadingMode.INVOKER)
            {
                throw new CommandLine.TypeConversionException("--threading invoker is for applications that drive " +
                    "the channel from their own duty cycle (IpcHost.invoker()); the commands take dedicated or shared");
            }
            return mode;
        }
    }
}

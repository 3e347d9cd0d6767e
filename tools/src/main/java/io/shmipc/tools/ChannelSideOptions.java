package io.shmipc.tools;

import io.shmipc.core.ChannelConfig;
import picocli.CommandLine.Option;

/**
 * The options {@code host} and {@code guest} share: how each side's reader and writer threads idle, where they run,
 * and whether the peer is trusted to be shmipc.
 */
final class ChannelSideOptions
{
    @Option(names = "--idle", defaultValue = ChannelConfig.DEFAULT_IDLE,
        description = "Idle strategy of the reader: busy-spin (100%% of a core), yield, no-op, backoff[:...], " +
        "wait[:...] (default: ${DEFAULT-VALUE}).")
    String idle;

    @Option(names = "--writer-idle", description = "Idle strategy of the writer thread (default: as --idle).")
    String writerIdle;

    @Option(names = "--reader-cpu", defaultValue = "none",
        description = "CPU placement of the reader: none, cpu=N, cpus=LIST, isolated, ... (default: ${DEFAULT-VALUE}).")
    String readerCpu;

    @Option(names = "--writer-cpu", defaultValue = "none",
        description = "CPU placement of the writer, e.g. sibling-of=reader (default: ${DEFAULT-VALUE}).")
    String writerCpu;

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
        return builder
            .readerIdle(idle)
            .writerIdle(null == writerIdle ? idle : writerIdle)
            .readerAffinity(readerCpu)
            .writerAffinity(writerCpu)
            .trustPeer(trustPeer);
    }
}

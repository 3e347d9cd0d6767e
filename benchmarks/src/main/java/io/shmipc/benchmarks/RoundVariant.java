package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;

/**
 * One variant of a round-method run (floor, shmipc, shmipc polling headers, agrona, ...) as seen by the process
 * that switches between them. Each variant lives in a class loader of its own ({@link VariantLoader}), with its own
 * copies of our classes and Agrona's, so that the JIT compiles and profiles its hot loop as if it were alone in the
 * process, as it is in production: a call site that saw only one ring type stays monomorphic. This interface is the
 * only one of our types the loaders share (with HdrHistogram and the JDK), so it may only use those in its
 * signatures.
 * <p>
 * Not thread safe: every method is called by the one measuring thread of the process.
 */
public interface RoundVariant
{
    /**
     * Driving side: one slice. Ping-pong: round trips, each recorded into {@code histogram} (if not null).
     * Throughput consumer: messages read.
     *
     * @param count  operations to do, or 0 to run for {@code nanos} instead.
     * @param nanos  how long to run when {@code count} is 0.
     * @param histogram where round trips go, or null.
     * @return operations done.
     */
    long run(long count, long nanos, Histogram histogram);

    /**
     * Driving side, throughput consumer: messages read so far by reads that stopped at their count limit, that is,
     * with at least that many more messages waiting (the consumer was behind its producer); 0 for other roles. The
     * share of these among all messages read tells the two regimes of a throughput run apart: a consumer that keeps
     * up reads lines its producer is still writing, one that is behind reads lines written long before.
     *
     * @return the count since the variant was created.
     */
    long backlogged();

    /**
     * Driving side, wake-up mode: wait {@code gapNanos}, then {@code count} times send one message carrying its send
     * time and wait {@code gapNanos} again. Sleeps between sends; never spins.
     *
     * @return messages sent.
     */
    long oneWay(long count, long gapNanos);

    /**
     * Passive side: echo (ping-pong), write (throughput producer) or handle and record (wake-up, into
     * {@code record} when not null) until the control file's switch counter differs from {@code switchCount}.
     *
     * @return operations done (messages handled or written).
     */
    long serve(int switchCount, Histogram record);

    /**
     * Post the peer's signal, if this variant has one, so that a peer blocked in {@code wait} looks at the control
     * file.
     */
    void nudge();

    /**
     * Unmap and close what the variant opened.
     */
    void close();
}

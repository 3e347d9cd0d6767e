package io.shmipc.benchmarks;

import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.channel.ReadMode;
import io.shmipc.core.channel.ThreadingMode;
import io.shmipc.core.channel.WriteMode;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The measuring process of {@code bench bridge} ("machine A"): the host of the direct shm channel and of the
 * bridged channel, and the pinger of Aeron's own UDP ping-pong, all driven from one thread in interleaved rounds.
 * Latency rounds give each of {@link #LATENCY} one slice per round (order rotating); throughput rounds give each of
 * {@link #THROUGHPUT} one slice, over which the machine's busy CPU time is read too ({@code /proc/stat}). The first
 * tenth of every slice (at most 20 ms) is not recorded. The parent is told
 * {@code measure-start} and {@code measure-end} on standard output and answers each with a line on standard input
 * once it has read the bridges' allocation counters, so that those readings bracket the measured rounds.
 */
final class BridgePinger
{
    /** Latency variants, in their index order. */
    static final String[] LATENCY = {"aeron-udp", "shm", "bridge"};
    /** Throughput variants, in their index order. */
    static final String[] THROUGHPUT = {"aeron-udp", "shm", "bridge"};
    static final int AERON = 0;
    static final int SHM = 1;
    static final int BRIDGE = 2;
    static final int T_AERON = 0;
    static final int T_SHM = 1;
    static final int T_BRIDGE = 2;

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    /** What one run does. */
    record Plan(int size, int rounds, long roundNanos, long warmupNanos, int threads, int window)
    {
    }

    private final Plan plan;
    private final AeronFloor floor;
    private final IpcHost shm;
    private final IpcHost bridged;
    private final Encoder encoder;
    private final IpcHost.ResponseHandler ignore = (buffer, index, length) -> { };

    /** Writes the call's id, then zeros up to the message size. Stateless apart from the size: shared. */
    static final class Encoder implements IpcHost.RequestEncoder
    {
        private final int size;

        Encoder(final int size)
        {
            this.size = size;
        }

        public int encode(final MutableDirectBuffer buffer, final long reqId)
        {
            buffer.putByte(size - 1, (byte)0);
            buffer.putLong(0, reqId, ByteOrder.LITTLE_ENDIAN);
            return size;
        }
    }

    /**
     * @return the id a request or its echo carries: its first 8 bytes, little-endian.
     */
    static long reqId(final DirectBuffer buffer, final int index, final int length)
    {
        if (length < 8)
        {
            throw new IllegalArgumentException("a response of " + length + " bytes carries no id");
        }
        return buffer.getLong(index, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @return the host config of the pinger's two channels: callers write, a reader thread completes the calls.
     */
    static ChannelConfig hostConfig(final String name, final int capacity, final String localIdle)
    {
        return ChannelConfig.builder(name)
            .capacity(capacity)
            .readerIdle(localIdle)
            .writerIdle(localIdle)
            .writeMode(WriteMode.CALLER)
            .readMode(ReadMode.READER_THREAD)
            .threadingMode(ThreadingMode.DEDICATED)
            .callTimeout(CALL_TIMEOUT)
            .unlinkOnClose(true)
            .build();
    }

    BridgePinger(final Plan plan, final AeronFloor floor, final IpcHost shm, final IpcHost bridged)
    {
        this.plan = plan;
        this.floor = floor;
        this.shm = shm;
        this.bridged = bridged;
        this.encoder = new Encoder(plan.size());
    }

    /**
     * Wait for every path, warm up, run the rounds and put the histograms and counts into {@code out}.
     *
     * @throws IllegalStateException if a path does not answer within its timeout.
     */
    void run(final ResultFile out, final PrintStream toParent, final BufferedReader fromParent) throws Exception
    {
        floor.awaitConnected(TimeUnit.SECONDS.toNanos(60));
        firstCall(shm, "shm");
        firstCall(bridged, "bridge");

        final ExecutorService callers = Executors.newFixedThreadPool(plan.threads(), r ->
        {
            final Thread t = new Thread(r, "bench-bridge-caller");
            t.setDaemon(true);
            return t;
        });
        try
        {
            final Histogram scratch = PeerCommand.newHistogram();
            for (int v = 0; v < LATENCY.length; v++)
            {
                final long now = System.nanoTime();
                latencySlice(v, now, now + plan.warmupNanos(), scratch);
            }
            for (int v = 0; v < THROUGHPUT.length; v++)
            {
                final long now = System.nanoTime();
                throughputSlice(callers, v, now, now + plan.warmupNanos() / 2);
            }
            handshake(toParent, fromParent, "measure-start");

            final int[][] latencyGroups = {{AERON, SHM, BRIDGE}};
            final long latencySlice = plan.roundNanos() / LATENCY.length;
            for (int r = 0; r < plan.rounds(); r++)
            {
                for (final int v : Rounds.order(latencyGroups, r))
                {
                    final Histogram histogram = PeerCommand.newHistogram();
                    final long start = System.nanoTime();
                    final long settle = Math.min(latencySlice / 10, TimeUnit.MILLISECONDS.toNanos(20));
                    latencySlice(v, start, start + settle, null);
                    latencySlice(v, start + settle, start + latencySlice, histogram);
                    out.put("round." + r + "." + v, histogram);
                }
            }
            final int[][] throughputGroups = {{T_AERON, T_SHM, T_BRIDGE}};
            final long throughputSlice = plan.roundNanos() / THROUGHPUT.length;
            for (int r = 0; r < plan.rounds(); r++)
            {
                for (final int v : Rounds.order(throughputGroups, r))
                {
                    final long start = System.nanoTime();
                    final long settle = Math.min(throughputSlice / 10, TimeUnit.MILLISECONDS.toNanos(20));
                    final long from = start + settle;
                    final long to = start + throughputSlice;
                    final long[] busy = new long[2];
                    final Thread sampler = new Thread(() ->
                    {
                        busy[0] = busyAt(from);
                        busy[1] = busyAt(to);
                    }, "bench-bridge-cpu");
                    sampler.setDaemon(true);
                    sampler.start();
                    out.put("tput." + r + "." + v + ".messages", throughputSlice(callers, v, from, to));
                    out.put("tput." + r + "." + v + ".nanos", to - from);
                    sampler.join(TimeUnit.NANOSECONDS.toMillis(to - System.nanoTime()) + 10_000);
                    out.put("tput." + r + "." + v + ".busyNanos", busy[0] < 0 || busy[1] < 0 ? -1 : busy[1] - busy[0]);
                }
            }
            handshake(toParent, fromParent, "measure-end");
        }
        finally
        {
            callers.shutdownNow();
        }
        out.put("unknownResponses", shm.unknownResponses() + bridged.unknownResponses());
        out.put("expiredResponses", shm.expiredResponses() + bridged.expiredResponses());
    }

    private void latencySlice(final int variant, final long from, final long to, final Histogram histogram)
        throws TimeoutException
    {
        long now = System.nanoTime();
        while (now - to < 0)
        {
            final long rtt;
            if (AERON == variant)
            {
                rtt = floor.roundTrip(TIMEOUT_NANOS);
            }
            else
            {
                final long start = System.nanoTime();
                (SHM == variant ? shm : bridged).call(encoder, ignore, CALL_TIMEOUT);
                rtt = System.nanoTime() - start;
            }
            now = System.nanoTime();
            if (null != histogram && now - from >= 0)
            {
                histogram.recordValue(Math.min(rtt, histogram.getHighestTrackableValue()));
            }
        }
    }

    /**
     * @return round trips completed from {@code from} to {@code to}, all callers together.
     */
    private long throughputSlice(final ExecutorService callers, final int variant, final long from, final long to)
        throws Exception
    {
        if (T_AERON == variant)
        {
            return floor.pipelined(plan.threads() * plan.window(), from, to, TIMEOUT_NANOS);
        }
        final IpcHost host = T_SHM == variant ? shm : bridged;
        final List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < plan.threads(); t++)
        {
            parts.add(callers.submit(() -> pipelinedCalls(host, from, to)));
        }
        long total = 0;
        for (final Future<Long> part : parts)
        {
            total += part.get(TimeUnit.NANOSECONDS.toSeconds(to - System.nanoTime()) + 60, TimeUnit.SECONDS);
        }
        return total;
    }

    /**
     * One calling thread: keep {@link Plan#window()} asynchronous calls in flight until {@code to}, then wait for
     * them all.
     *
     * @return the calls that completed from {@code from} to {@code to}.
     */
    private long pipelinedCalls(final IpcHost host, final long from, final long to) throws Exception
    {
        @SuppressWarnings("unchecked")
        final CompletableFuture<ByteBuffer>[] window = new CompletableFuture[plan.window()];
        long counted = 0;
        int next = 0;
        while (System.nanoTime() - to < 0)
        {
            if (null != window[next])
            {
                window[next].get(CALL_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
                final long now = System.nanoTime();
                if (now - from >= 0 && now - to < 0)
                {
                    counted++;
                }
            }
            window[next] = host.callAsync(encoder);
            next = (next + 1) % window.length;
        }
        for (final CompletableFuture<ByteBuffer> call : window)
        {
            if (null != call)
            {
                call.get(CALL_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
        return counted;
    }

    /**
     * @return the machine's busy CPU time at {@code at} ({@link System#nanoTime()}), read once that time has come.
     */
    private static long busyAt(final long at)
    {
        for (long left = at - System.nanoTime(); left > 0; left = at - System.nanoTime())
        {
            LockSupport.parkNanos(left);
        }
        return ProcessCpu.machineBusyNanos();
    }

    private void firstCall(final IpcHost host, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true)
        {
            try
            {
                host.call(encoder, ignore, Duration.ofSeconds(2));
                return;
            }
            catch (final TimeoutException | IllegalStateException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("the " + what + " path did not answer a call within 60 s: " + ex,
                        ex);
                }
                Thread.sleep(50);
            }
        }
    }

    private static void handshake(final PrintStream toParent, final BufferedReader fromParent, final String line)
    {
        toParent.println(line);
        toParent.flush();
        try
        {
            if (null == fromParent.readLine())
            {
                throw new IllegalStateException("the parent closed standard input at " + line);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the parent's answer to " + line + ": " + ex, ex);
        }
    }
}

package io.shmipc.core;

import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.NamedSignal;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;

import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;

/**
 * The reader thread of one channel side: reads its incoming queue in batches, hands each message to a handler on
 * this thread, idles with the configured strategy (the queue is the strategy's {@link io.shmipc.idle.SleepGuard},
 * the peer's semaphore its signal), and keeps the consumer heartbeat of the queue header fresh so the peer can tell
 * this side is alive. Stopping resets the queue's reader state, so a C++/Go reader taking over is signalled again.
 */
final class ChannelReader implements AutoCloseable
{
    /** Most messages handed out between two heartbeat checks and idle calls. */
    static final int BATCH_LIMIT = 256;
    private static final long HEARTBEAT_INTERVAL_MS = 100;

    private final SimpleIpcRingBuffer ring;
    private final SharedSegment segment;
    private final MessageHandler handler;
    private final IdleStrategy idle;
    private final Thread thread;
    private final BooleanSupplier keepRunning;
    private final ErrorHandler onFailure;
    private final NamedSignal signal;
    private volatile boolean running = true;

    /**
     * @param keepRunning asked about every 100 ms on the reader thread (peer liveness checks); the reader stops
     *                    when it answers false. May be null.
     * @param onFailure   told of the exception that stops the reader, on the reader thread.
     */
    ChannelReader(
        final SimpleIpcRingBuffer ring,
        final SharedSegment segment,
        final MessageHandler handler,
        final NamedSignal signal,
        final String idleSpec,
        final ThreadFactory threadFactory,
        final BooleanSupplier keepRunning,
        final ErrorHandler onFailure)
    {
        this.ring = ring;
        this.segment = segment;
        this.onFailure = onFailure;
        this.signal = signal;
        this.handler = handler;
        this.keepRunning = keepRunning;
        this.idle = IdleStrategies.parse(idleSpec).newStrategy(signal, ring);
        this.thread = threadFactory.newThread(this::run);
        this.thread.setDaemon(true);
    }

    /**
     * Start the thread; once, after the owner is fully constructed.
     */
    void start()
    {
        thread.start();
    }

    private void run()
    {
        long lastHeartbeat = 0;
        int busyRounds = 0;
        // A shmipc reader that polls needs no post; it sets "sleeping" itself before it ever blocks.
        ring.awake();
        try
        {
            while (running)
            {
                final int read = ring.read(handler, BATCH_LIMIT);
                if (read == 0 || ++busyRounds >= 1024)
                {
                    busyRounds = 0;
                    final long now = System.currentTimeMillis();
                    if (now - lastHeartbeat >= HEARTBEAT_INTERVAL_MS)
                    {
                        lastHeartbeat = now;
                        ring.consumerHeartbeatTime(now);
                        if (keepRunning != null && !keepRunning.getAsBoolean())
                        {
                            running = false;
                        }
                    }
                }
                idle.idle(read);
            }
        }
        catch (final Throwable t)
        {
            running = false;
            onFailure.onError(t);
        }
        finally
        {
            if (!segment.isTruncated())
            {
                ring.resetReaderState();
            }
        }
    }

    boolean isRunning()
    {
        return running && thread.isAlive();
    }

    /**
     * Wait for the thread to end (after {@link #close()} or when {@code keepRunning} said no).
     *
     * @return true if it has ended.
     */
    boolean awaitTermination(final long millis) throws InterruptedException
    {
        thread.join(millis);
        return !thread.isAlive();
    }

    Thread thread()
    {
        return thread;
    }

    boolean isAlive()
    {
        return thread.isAlive();
    }

    /**
     * Stop the thread: a reader blocked on its signal is woken by a post, so it leaves at once.
     */
    public void close()
    {
        running = false;
        if (thread.isAlive())
        {
            signal.post();
        }
        if (Thread.currentThread() != thread)
        {
            try
            {
                thread.join(10_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}

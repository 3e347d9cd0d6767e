package io.shmipc.benchmarks;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.shmipc.idle.IdleStrategies;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * One end of Aeron's own UDP ping-pong, the floor of {@code bench bridge}: an embedded {@link MediaDriver} in its
 * own directory (as a bridge has), a client, one exclusive publication and one subscription, written with Aeron's
 * client API only. The pinger side measures round trips and pipelined echo throughput; the ponger side echoes
 * every message back. Each instance is used by one thread; nothing on the message path allocates.
 */
final class AeronFloor implements AutoCloseable, FragmentHandler
{
    private static final int FRAGMENT_LIMIT = 16;

    private final MediaDriver driver;
    private final Aeron aeron;
    private final ExclusivePublication publication;
    private final Subscription subscription;
    private final FragmentAssembler assembler;
    private final IdleStrategy idle;
    private final UnsafeBuffer message;
    private final boolean echo;
    private long received;

    /**
     * @param dir        the embedded driver's directory (deleted at start and at close).
     * @param publish    URI this side publishes to, e.g. {@code aeron:udp?endpoint=127.0.0.1:40200}.
     * @param subscribe  URI this side receives on.
     * @param stream     stream id of both directions.
     * @param size       bytes per message.
     * @param idle       idle strategy of this side's poll loop.
     * @param driverIdle idle strategy of the driver's thread ({@code SHARED} mode, as the bridges' default).
     * @param echo       true on the ponger: every message received is offered back.
     */
    AeronFloor(final Path dir, final String publish, final String subscribe, final int stream, final int size,
        final String idle, final String driverIdle, final boolean echo)
    {
        this.driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(dir.toAbsolutePath().toString())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(IdleStrategies.parse(driverIdle).newStrategy(null, null))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .warnIfDirectoryExists(false));
        this.aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        this.publication = aeron.addExclusivePublication(publish, stream);
        this.subscription = aeron.addSubscription(subscribe, stream);
        this.assembler = new FragmentAssembler(this);
        this.idle = IdleStrategies.parse(idle).newStrategy(null, null);
        this.message = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(8, size)));
        this.echo = echo;
    }

    /**
     * Wait until the publication is connected and the subscription has an image.
     *
     * @throws IllegalStateException if that takes longer than the timeout.
     */
    void awaitConnected(final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        while (!publication.isConnected() || !subscription.isConnected())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("Aeron ping-pong: the other side did not connect within " +
                    Durations.format(timeoutNanos) + " (publication " + publication.channel() + ")");
            }
            idle.idle(0);
        }
        idle.reset();
    }

    /**
     * Ponger: poll and echo until {@code running} returns false.
     */
    void pong(final BooleanSupplier running)
    {
        while (running.getAsBoolean())
        {
            idle.idle(subscription.poll(assembler, FRAGMENT_LIMIT));
        }
    }

    /**
     * Pinger: one round trip of one message.
     *
     * @return nanoseconds from before the offer to the echo's arrival.
     * @throws IllegalStateException if the echo does not come within the timeout.
     */
    long roundTrip(final long timeoutNanos)
    {
        final long start = System.nanoTime();
        message.putLong(0, start);
        offer(start, timeoutNanos);
        final long before = received;
        while (received == before)
        {
            final int fragments = subscription.poll(assembler, FRAGMENT_LIMIT);
            if (0 == fragments && System.nanoTime() - start > timeoutNanos)
            {
                throw new IllegalStateException("Aeron ping-pong: no echo within " + Durations.format(timeoutNanos));
            }
            idle.idle(fragments);
        }
        return System.nanoTime() - start;
    }

    /**
     * Pinger: keep up to {@code window} messages in flight until {@code toNanos}, then wait for the rest.
     *
     * @return the echoes that arrived from {@code fromNanos} (inclusive) to {@code toNanos} (exclusive).
     * @throws IllegalStateException if the echoes stop for longer than the timeout.
     */
    long pipelined(final int window, final long fromNanos, final long toNanos, final long timeoutNanos)
    {
        long sent = 0;
        long echoed = 0;
        long counted = 0;
        long lastProgress = System.nanoTime();
        while (true)
        {
            final long now = System.nanoTime();
            final boolean sending = now - toNanos < 0;
            if (!sending && sent == echoed)
            {
                return counted;
            }
            int work = 0;
            if (sending && sent - echoed < window)
            {
                message.putLong(0, now);
                if (publication.offer(message) > 0)
                {
                    sent++;
                    work++;
                }
            }
            final long before = received;
            final int fragments = subscription.poll(assembler, FRAGMENT_LIMIT);
            if (fragments > 0)
            {
                final long arrived = received - before;
                echoed += arrived;
                if (now - fromNanos >= 0 && sending)
                {
                    counted += arrived;
                }
                lastProgress = now;
            }
            else if (now - lastProgress > timeoutNanos)
            {
                throw new IllegalStateException("Aeron pipelined echo: " + (sent - echoed) +
                    " messages got no echo within " + Durations.format(timeoutNanos));
            }
            idle.idle(work + fragments);
        }
    }

    /**
     * {@inheritDoc}
     */
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        received++;
        if (echo)
        {
            long result;
            while ((result = publication.offer(buffer, offset, length)) < 0)
            {
                if (Publication.CLOSED == result || Publication.MAX_POSITION_EXCEEDED == result)
                {
                    throw new IllegalStateException("Aeron ping-pong: the publication refused the echo: " + result);
                }
                idle.idle(0);
            }
        }
    }

    private void offer(final long start, final long timeoutNanos)
    {
        while (publication.offer(message) < 0)
        {
            if (System.nanoTime() - start > timeoutNanos)
            {
                throw new IllegalStateException("Aeron ping-pong: the publication did not take a message within " +
                    Durations.format(timeoutNanos));
            }
            idle.idle(0);
        }
    }

    /**
     * Close the client and the driver (which deletes its directory).
     */
    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
    }
}

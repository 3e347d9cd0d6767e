package io.shmipc.bridge;

import io.shmipc.core.channel.HostChannel;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.ThreadingMode;
import io.shmipc.core.segment.SegmentException;
import io.shmipc.core.channel.WriteMode;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;

import java.time.Duration;

/**
 * The bridge on the guest's machine: it creates the local channel as its host ({@link HostChannel}, raw bytes; the
 * same name as the far channel unless {@link BridgeConfig#localName(String)}), writes every request that comes in
 * into {@code toGuest} and forwards every response from {@code fromGuest} back. Stopping removes the channel's
 * segment and semaphores.
 * <p>
 * <b>Runs.</b> Requests carry the run id of the host-side bridge's current run. A response is sent with the run of
 * the request it answers, which the bridge infers by counting (a SimpleIPC guest answers each request once, in
 * order): when requests of a new run arrive, the requests of the old run not yet answered get the old run's
 * responses for up to {@link BridgeConfig#staleGrace()}, and the host-side bridge drops those as stale. A guest that
 * answers out of order or not at all defeats the counting only within that grace period.
 */
public final class GuestSideBridge extends Bridge
{
    /** Side name, in counters, thread names and the embedded driver's directory. */
    public static final String SIDE = "guest-side";

    private final HostChannel host;
    private final long staleGraceNs;
    // Attribution of responses to runs (agent thread only: requests and responses).
    private long currentRun = BridgeFrame.NO_RUN;
    private long delivered;
    private long answered;
    private long oldRun = BridgeFrame.NO_RUN;
    private long oldOutstanding;
    private long oldDeadline;
    // Agent thread only: the ring position of the last request delivered, in this run and in the run before.
    private long lastPosition = -1;
    private long currentRunOfAgent = BridgeFrame.NO_RUN;
    private long previousLastPosition = -1;

    private GuestSideBridge(final BridgeConfig config)
    {
        super(config, SIDE, BridgeFrame.KIND_RESPONSE, BridgeFrame.KIND_REQUEST);
        this.staleGraceNs = config.staleGrace().toNanos();
        final ChannelConfig channel;
        try
        {
            channel = ChannelConfig.builder(config.localName())
                .capacity(config.capacity())
                .writeMode(WriteMode.CALLER)              // requests are written by the agent thread itself
                .threadingMode(ThreadingMode.INVOKER)     // read by the agent too: a response waiting for Aeron is
                                                          // ABORTed
                .callTimeout(Duration.ofNanos(100_000))  // a full ring is ABORTed and polled again, not waited in
                .build();
            this.host = HostChannel.startControlled(channel, this::onResponse);
            useLocal(host.invoker(), host.newInvokerIdle(idleFactory()));
        }
        catch (final SegmentException ex)
        {
            super.close();
            throw new BridgeException(BridgeException.IN_USE, "guest-side bridge: cannot create the local channel " +
                config.localName() + ": " + ex.getMessage(), ex);
        }
        catch (final RuntimeException ex)
        {
            super.close();
            throw ex;
        }
        counters.localRuns.increment();
        startAgent();
    }

    /**
     * Create the local channel and start bridging.
     *
     * @param config the bridge's configuration.
     * @return the running bridge.
     * @throws BridgeException with {@link BridgeException#IN_USE} if a live host holds the local channel.
     */
    public static GuestSideBridge start(final BridgeConfig config)
    {
        return new GuestSideBridge(config);
    }

    private ControlledMessageHandler.Action onResponse(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final long run = responseRun();
        final ControlledMessageHandler.Action action = forward(buffer, index, length, run);
        if (action != ControlledMessageHandler.Action.ABORT)
        {
            responseTaken(run);
        }
        return action;
    }

    /** @return the run the next response belongs to (it is counted only once it leaves, {@link #responseTaken}). */
    private long responseRun()
    {
        if (oldOutstanding > 0)
        {
            if (System.nanoTime() - oldDeadline < 0)
            {
                return oldRun;
            }
            oldOutstanding = 0;
        }
        return currentRun;
    }

    private void responseTaken(final long run)
    {
        if (oldOutstanding > 0 && run == oldRun)
        {
            --oldOutstanding;
        }
        else
        {
            ++answered;
        }
    }

    private void noteRun(final long run)
    {
        if (run == currentRun)
        {
            return;
        }
        final long outstanding = Math.max(0, delivered - answered);
        if (outstanding > 0 || oldOutstanding > 0)
        {
            // Responses still owed to the run that ends: they keep that run's id (the newest old run's), so the
            // host-side bridge drops them instead of writing them into the new run.
            oldOutstanding += outstanding;
            oldRun = currentRun;
            oldDeadline = System.nanoTime() + staleGraceNs;
        }
        currentRun = run;
        delivered = 0;
        answered = 0;
    }

    private void noteDelivered()
    {
        ++delivered;
    }

    @Override
    boolean acceptIncoming(final long run, final long position, final boolean redelivered)
    {
        if (run == BridgeFrame.NO_RUN)
        {
            return false;
        }
        if (run != currentRunOfAgent)
        {
            currentRunOfAgent = run;
            previousLastPosition = lastPosition;
            lastPosition = -1;
        }
        if (redelivered && position <= previousLastPosition)
        {
            // The dead host-side bridge forwarded this block and it was delivered; its successor got it again from
            // the host's ring (readPos not stored). Not a second time.
            return false;
        }
        noteRun(run);
        return true;
    }

    @Override
    void delivered(final long run, final long position)
    {
        lastPosition = position;
        noteDelivered();
    }

    @Override
    boolean writeLocal(final DirectBuffer buffer, final int offset, final int length)
    {
        return host.send(buffer, offset, length);
    }

    /** @return the local channel's host, for inspection. */
    public HostChannel localHost()
    {
        return host;
    }

    @Override
    void closeLocal()
    {
        if (host != null)
        {
            host.close();
        }
    }
}

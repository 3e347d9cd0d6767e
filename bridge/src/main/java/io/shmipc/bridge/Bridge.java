package io.shmipc.bridge;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.shmipc.affinity.AffinityPlan;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.IdleStrategyFactory;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.IoUtil;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import static io.aeron.logbuffer.ControlledFragmentHandler.Action.ABORT;
import static io.aeron.logbuffer.ControlledFragmentHandler.Action.CONTINUE;

/**
 * What both bridges share: the Aeron driver (embedded, or external with {@code --aeron-dir}), the client, one
 * publication and one subscription, the counters, and the two paths of blocks, both on the bridge's one agent.
 * <ul>
 *   <li><b>Local ring to Aeron</b>: the local channel runs in {@code INVOKER} mode on the agent, which reads its
 *   incoming queue with {@code controlledRead} and offers each block to the publication; a block Aeron does not
 *   take now (back-pressure, not connected) is ABORTed, stays in the ring and is offered again at the next duty
 *   cycle, and nothing after it is read meanwhile, so the ring fills up, which is the local writer's
 *   back-pressure.</li>
 *   <li><b>Aeron to local ring</b>: {@code controlledPoll} with a fragment assembler; a message the local ring has
 *   no room for is ABORTed and polled again later, so Aeron's flow control pushes back on the far side. Only
 *   messages from the newest image (session) are delivered; those of a superseded session are counted as
 *   stale.</li>
 * </ul>
 * With the embedded driver in {@code INVOKER} mode (the default with few CPUs) the agent also runs the driver and
 * the client's conductor, so a block read from the ring is sent in the same duty cycle, and a bridge has one
 * polling thread. Its idle strategy is made with the local channel's incoming signal: a {@code wait} strategy
 * blocks on the local peer's posts, and a message from Aeron is noticed when a block times out (its timeout, which
 * grows while idle up to {@code maxTimeout}, bounds how late).
 */
public abstract class Bridge implements AutoCloseable
{
    /** Affinity role of the agent thread, in its name {@code shmipc-agent-bridge-SIDE-NAME}. */
    public static final String AGENT_ROLE = "agent";
    /** Affinity role of the embedded driver's threads. */
    public static final String DRIVER_ROLE = "driver";
    private static final int FRAGMENT_LIMIT = 16;
    private static final int NO_SESSION = 0;
    /** How long the host-side agent yields without work while answers are due, before it idles again. */
    private static final long EXPECT_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final SecureRandom RUN_IDS = new SecureRandom();

    final BridgeConfig config;
    final String side;
    final ErrorHandler errorHandler;
    private final MediaDriver driver;
    private final File embeddedDir;
    final Aeron aeron;
    /** The embedded driver's duty cycle when it runs in {@code INVOKER} mode on the bridge's agent, else null. */
    private final AgentInvoker driverInvoker;
    /** The Aeron client conductor's duty cycle when the driver is invoked by the agent, else null. */
    private final AgentInvoker clientInvoker;
    final ExclusivePublication publication;
    final Subscription subscription;
    final BridgeCounters counters;
    private final ControlledFragmentAssembler assembler;
    private final LocalIdle agentIdle = new LocalIdle();
    private final IdleStrategyFactory idleFactory;
    private final UnsafeBuffer outHeader = new UnsafeBuffer(ByteBuffer.allocateDirect(BridgeFrame.HEADER_LENGTH)
        .order(ByteOrder.LITTLE_ENDIAN));
    private final int inKind;
    private final int outKind;
    private final AffinityPlan plan;
    private final BridgeAgent agent = new BridgeAgent();
    private AgentRunner runner;
    private AgentInvoker invoker;
    /** Agent thread: the block at the head of the local ring waits for Aeron (counted once). */
    private boolean outWaiting;
    volatile boolean running = true;
    private boolean closed;
    private volatile int currentSession = NO_SESSION;
    private volatile boolean sawImage;
    private boolean inWaiting;
    /**
     * The host-side, unless its agent holds its CPU anyway: while requests it sent are not yet answered it yields
     * instead of idling, for up to {@link #EXPECT_NS} without work. A message from Aeron cannot wake the agent the
     * way the local peer's post does, so an idle strategy that parks or blocks on the local signal would notice the
     * answer only when its park or timeout ends.
     */
    private final boolean yieldsWhileAnswersDue;
    /** Agent thread: blocks sent to Aeron. */
    private long blocksOut;
    /** Agent thread: blocks from Aeron written into the local ring. */
    private long blocksIn;
    /** Agent thread: when the duty cycle last did work. */
    private long lastWorkNs;
    /** The local channel's invoker (agent thread only once started). */
    private AgentInvoker localInvoker;

    Bridge(final BridgeConfig config, final String side, final int outKind, final int inKind)
    {
        config.check();
        this.config = config;
        this.side = side;
        this.outKind = outKind;
        this.inKind = inKind;
        this.idleFactory = IdleStrategies.parse(config.idle());
        this.yieldsWhileAnswersDue = outKind == BridgeFrame.KIND_REQUEST && !IdleStrategies.holdsCpu(idleFactory);
        final ErrorHandler userHandler = config.errorHandler();
        final BridgeCounters[] countersRef = new BridgeCounters[1];
        this.errorHandler = error ->
        {
            if (countersRef[0] != null)
            {
                countersRef[0].errors.increment();
            }
            userHandler.onError(error);
        };
        MediaDriver driver = null;
        Aeron aeron = null;
        final String dir;
        this.plan = AffinityPlan.builder("bridge-" + side + "-" + config.localName())
            .role(AGENT_ROLE, config.agentAffinity())
            .role(DRIVER_ROLE, config.driverAffinity())
            .resolve();
        try
        {
            if (config.aeronDir() == null)
            {
                embeddedDir = config.embeddedDir(side).toFile();
                if (driverActive(embeddedDir))
                {
                    throw new BridgeException(BridgeException.IN_USE, "an Aeron driver is active in " + embeddedDir +
                        ": another " + side + " bridge of " + config.localName() + " runs (or pick --embedded-dir)");
                }
                driver = MediaDriver.launch(driverContext(config, embeddedDir, plan.threadFactory(DRIVER_ROLE)));
                dir = driver.aeronDirectoryName();
            }
            else
            {
                embeddedDir = null;
                dir = config.aeronDir();
            }
            final Aeron.Context client = new Aeron.Context().aeronDirectoryName(dir).errorHandler(this.errorHandler);
            final AgentInvoker driverDuty = null != driver && config.driverThreading() == ThreadingMode.INVOKER ?
                driver.sharedAgentInvoker() : null;
            if (null != driverDuty)
            {
                // One thread for the whole bridge: the agent drives the driver and the client's conductor, and the
                // client drives the driver itself while it waits for a reply (adding the publication, closing).
                client.useConductorAgentInvoker(true).driverAgentInvoker(driverDuty);
            }
            aeron = Aeron.connect(client);
            this.driver = driver;
            this.aeron = aeron;
            this.driverInvoker = driverDuty;
            this.clientInvoker = null != driverDuty ? aeron.conductorAgentInvoker() : null;
            this.counters = new BridgeCounters(aeron, side, config.localName());
            countersRef[0] = counters;
            this.subscription = aeron.addSubscription(config.subscribeUri(), inKind == BridgeFrame.KIND_REQUEST ?
                config.requestStream() : config.responseStream(), this::onAvailableImage, this::onUnavailableImage);
            this.publication = aeron.addExclusivePublication(config.publishUri(),
                outKind == BridgeFrame.KIND_REQUEST ? config.requestStream() : config.responseStream());
            this.assembler = new ControlledFragmentAssembler(this::onFragment);
        }
        catch (final RuntimeException ex)
        {
            closeAll(aeron, driver);
            plan.close();
            throw ex;
        }
    }

    /**
     * Is a driver alive in this directory? A driver killed a moment ago (kill -9) leaves a fresh heartbeat: look
     * again after the heartbeat timeout before calling it alive.
     */
    private static boolean driverActive(final File dir)
    {
        if (!CommonContext.isDriverActive(dir, 1000, msg -> { }))
        {
            return false;
        }
        try
        {
            Thread.sleep(1100);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return CommonContext.isDriverActive(dir, 1000, msg -> { });
    }

    private static MediaDriver.Context driverContext(
        final BridgeConfig config, final File dir, final ThreadFactory threads)
    {
        final MediaDriver.Context ctx = new MediaDriver.Context()
            .sharedThreadFactory(threads)
            .sharedNetworkThreadFactory(threads)
            .conductorThreadFactory(threads)
            .senderThreadFactory(threads)
            .receiverThreadFactory(threads)
            .aeronDirectoryName(dir.getAbsolutePath())
            .threadingMode(config.driverThreading())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            // its errors go to its error log in cnc.dat, and reach the client as exceptions
            .warnIfDirectoryExists(false);
        final String idle = config.driverIdle();
        ctx.sharedIdleStrategy(IdleStrategies.parse(idle).newStrategy(null, null))
            .sharedNetworkIdleStrategy(IdleStrategies.parse(idle).newStrategy(null, null))
            .conductorIdleStrategy(IdleStrategies.parse(idle).newStrategy(null, null))
            .senderIdleStrategy(IdleStrategies.parse(idle).newStrategy(null, null))
            .receiverIdleStrategy(IdleStrategies.parse(idle).newStrategy(null, null));
        if (config.termLength() != 0)
        {
            ctx.publicationTermBufferLength(config.termLength()).ipcTermBufferLength(config.termLength());
        }
        if (config.linkTimeout() != null)
        {
            final long ns = config.linkTimeout().toNanos();
            ctx.publicationConnectionTimeoutNs(ns).imageLivenessTimeoutNs(ns).publicationLingerTimeoutNs(
                Math.min(ns, ctx.publicationLingerTimeoutNs()));
        }
        return ctx;
    }

    /** @return a new run id, never {@link BridgeFrame#NO_RUN}. */
    static long newRunId()
    {
        long id;
        do
        {
            id = RUN_IDS.nextLong();
        }
        while (id == BridgeFrame.NO_RUN);
        return id;
    }

    /**
     * Attach to or create the local channel and start the agent on a thread of its own. Called by the subclass
     * once it is fully built.
     */
    final void startAgent()
    {
        if (config.invoker())
        {
            invoker = new AgentInvoker(errorHandler, null, agent);
            invoker.start();
            return;
        }
        runner = new AgentRunner(agentIdle, errorHandler, null, agent);
        AgentRunner.startOnThread(runner, plan.threadFactory(AGENT_ROLE));
    }

    /**
     * @return the invoker to call in the application's own duty cycle, if {@link BridgeConfig#invoker(boolean)};
     * null when the agent has a thread of its own. Stop invoking it before {@link #close()}.
     */
    public AgentInvoker invoker()
    {
        return invoker;
    }

    /**
     * @return the bridge's agent (Aeron to the local ring, and the local channel's upkeep), to compose with other
     * agents (e.g. in a {@link org.agrona.concurrent.CompositeAgent}) when {@link BridgeConfig#invoker(boolean)}:
     * then do not also call {@link #invoker()}.
     */
    public Agent agent()
    {
        return agent;
    }

    /**
     * Wait until the far side is there (publication connected and an image), up to the timeout.
     *
     * @return true if it is.
     */
    public boolean awaitLink(final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!linkUp())
        {
            if (System.nanoTime() - deadline >= 0)
            {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** @return true while the publication is connected and the subscription has an image. */
    public boolean linkUp()
    {
        return publication.isConnected() && subscription.imageCount() > 0;
    }

    /** @return the counters. */
    public BridgeCounters counters()
    {
        return counters;
    }

    /** @return the Aeron directory of the driver this bridge uses. */
    public String aeronDirectory()
    {
        return aeron.context().aeronDirectoryName();
    }

    /** @return Aeron's longest message on the publication, less the bridge's header: the longest block carried. */
    public int maxBlockLength()
    {
        return publication.maxMessageLength() - BridgeFrame.HEADER_LENGTH;
    }

    private void onAvailableImage(final Image image)
    {
        if (sawImage)
        {
            counters.reconnects.increment();
        }
        sawImage = true;
        currentSession = image.sessionId(); // the newest session wins: a superseded one's traffic is stale
    }

    private void onUnavailableImage(final Image image)
    {
        // nothing to do: the link-state counter follows imageCount(); a new image will take over
    }

    /**
     * Local ring to Aeron, on the agent: offer the block once.
     *
     * @return {@code CONTINUE} if Aeron took it, or it was refused (too large) or cannot be sent (the publication
     * is closed), each counted; {@code ABORT} if Aeron cannot take it now (back-pressure, not connected): it stays
     * in the ring and is offered again at the next duty cycle.
     */
    final ControlledMessageHandler.Action forward(
        final DirectBuffer buffer, final int index, final int length, final long run)
    {
        return forward(buffer, index, length, run, -1, 0);
    }

    /**
     * As {@link #forward(DirectBuffer, int, int, long)} for a request at a ring position, with flags of the kind.
     */
    final ControlledMessageHandler.Action forward(
        final DirectBuffer buffer, final int index, final int length, final long run, final long position,
        final int flags)
    {
        final int max = publication.maxMessageLength();
        if (length + BridgeFrame.HEADER_LENGTH > max)
        {
            counters.refused.increment();
            errorHandler.onError(new BridgeException(BridgeException.FAILURE, side + " bridge of " +
                config.localName() + ": a block of " + length + " bytes (" + (length + BridgeFrame.HEADER_LENGTH) +
                " with the bridge's header) is longer than Aeron's maximum message length " + max + " on " +
                config.publishUri() + ": refused, not truncated (raise the term length: longest = term length / 8)"));
            return ControlledMessageHandler.Action.CONTINUE;
        }
        outHeader.putInt(BridgeFrame.MAGIC_OFFSET, BridgeFrame.MAGIC);
        outHeader.putInt(BridgeFrame.KIND_OFFSET, outKind | flags);
        outHeader.putLong(BridgeFrame.RUN_OFFSET, run);
        outHeader.putLong(BridgeFrame.POSITION_OFFSET, position);
        // No image of the far side: its answers could not come back, so the link counts as down.
        final long result = subscription.imageCount() == 0 ? Publication.NOT_CONNECTED :
            publication.offer(outHeader, 0, BridgeFrame.HEADER_LENGTH, buffer, index, length);
        if (result > 0)
        {
            ++blocksOut;
            outWaiting = false;
            counters.messagesOut.incrementRelease();
            counters.bytesOut.getAndAddRelease(length);
            return ControlledMessageHandler.Action.CONTINUE;
        }
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
        {
            outWaiting = false;
            if (running)
            {
                errorHandler.onError(new BridgeException(BridgeException.FAILURE, side + " bridge of " +
                    config.localName() + ": the publication on " + config.publishUri() + " can take no more (" +
                    Publication.errorString(result) + ")"));
            }
            counters.unsentAtStop.incrementRelease();
            return ControlledMessageHandler.Action.CONTINUE;
        }
        if (!outWaiting)
        {
            outWaiting = true;
            counters.backPressureOut.incrementRelease();
        }
        return ControlledMessageHandler.Action.ABORT;
    }

    /**
     * Agent thread: the local channel of this run went away with a block waiting for Aeron (it went with the ring).
     */
    final void localRunEnded()
    {
        if (outWaiting)
        {
            outWaiting = false;
            counters.unsentAtStop.incrementRelease();
        }
    }

    /**
     * Agent thread (or before it starts): the local channel the agent now invokes, whose incoming signal the agent's
     * idle strategy waits on; null while there is none.
     */
    final void useLocal(final AgentInvoker localInvoker, final IdleStrategy localIdle)
    {
        agentIdle.use(localIdle);
        this.localInvoker = localInvoker;
    }

    /** @return the idle strategy the agent's duty cycle is to use with a local channel, made from the config. */
    final IdleStrategyFactory idleFactory()
    {
        return idleFactory;
    }

    private ControlledFragmentHandler.Action onFragment(
        final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (header.sessionId() != currentSession)
        {
            counters.stale.incrementRelease();
            return CONTINUE;
        }
        if (length < BridgeFrame.HEADER_LENGTH ||
            buffer.getInt(offset + BridgeFrame.MAGIC_OFFSET) != BridgeFrame.MAGIC ||
            (buffer.getInt(offset + BridgeFrame.KIND_OFFSET) & BridgeFrame.KIND_MASK) != inKind)
        {
            counters.stale.incrementRelease();
            errorHandler.onError(new BridgeException(BridgeException.FAILURE, side + " bridge of " +
                config.localName() + ": a message of " + length + " bytes on " + config.subscribeUri() +
                " is not a bridge frame of the expected kind: is another application publishing on stream " +
                subscription.streamId() + "?"));
            return CONTINUE;
        }
        final long run = buffer.getLong(offset + BridgeFrame.RUN_OFFSET);
        final long position = buffer.getLong(offset + BridgeFrame.POSITION_OFFSET);
        final boolean redelivered = (buffer.getInt(offset + BridgeFrame.KIND_OFFSET) & BridgeFrame.REDELIVERED) != 0;
        if (!acceptIncoming(run, position, redelivered))
        {
            counters.stale.incrementRelease();
            return CONTINUE;
        }
        final int blockLength = length - BridgeFrame.HEADER_LENGTH;
        final boolean written;
        try
        {
            written = writeLocal(buffer, offset + BridgeFrame.HEADER_LENGTH, blockLength);
        }
        catch (final IllegalArgumentException ex)
        {
            counters.refused.incrementRelease();
            errorHandler.onError(new BridgeException(BridgeException.FAILURE, side + " bridge of " +
                config.localName() + ": a message of " + blockLength + " bytes does not fit the local queue: " +
                ex.getMessage() + ": refused, not truncated"));
            return CONTINUE;
        }
        catch (final IllegalStateException ex)
        {
            return ABORT; // the local channel is closing or being re-attached: try again later
        }
        if (!written)
        {
            if (!inWaiting)
            {
                inWaiting = true;
                counters.backPressureIn.incrementRelease();
            }
            return ABORT;
        }
        inWaiting = false;
        ++blocksIn;
        delivered(run, position);
        counters.messagesIn.incrementRelease();
        counters.bytesIn.getAndAddRelease(blockLength);
        return CONTINUE;
    }

    /** Agent thread: write a message from Aeron into the local ring. @return false if there is no room now. */
    abstract boolean writeLocal(DirectBuffer buffer, int offset, int length);

    /**
     * Agent thread: may a message of this run be delivered?
     *
     * @param position    a request's ring position at the host, -1 for a response.
     * @param redelivered a request the host's ring delivered again after a host-side bridge died.
     */
    abstract boolean acceptIncoming(long run, long position, boolean redelivered);

    /** Agent thread: a message of this run (a request: at this position) was written into the local ring. */
    void delivered(final long run, final long position)
    {
    }

    /** Agent thread: look after the local channel (re-attach a host-side bridge). @return work done. */
    int localDuty()
    {
        return 0;
    }

    /** Close the local channel (the guest-side bridge removes the channel it created). */
    abstract void closeLocal();

    private final class BridgeAgent implements Agent
    {
        private long lastLinkCheck;

        @Override
        public int doWork()
        {
            int work = 0;
            work += localDuty();
            final AgentInvoker local = localInvoker;
            if (null != local)
            {
                work += local.invoke(); // reads the local ring into the publication: sent by the driver below
            }
            if (null != driverInvoker)
            {
                work += driverInvoker.invoke() + clientInvoker.invoke();
            }
            work += subscription.controlledPoll(assembler, FRAGMENT_LIMIT);
            final long now = System.nanoTime();
            if (work > 0)
            {
                lastWorkNs = now;
            }
            else if (yieldsWhileAnswersDue && blocksOut != blocksIn && now - lastWorkNs < EXPECT_NS)
            {
                Thread.yield();
                work = 1; // an answer is due: poll again at once, the idle strategy stays reset
            }
            if (now - lastLinkCheck > TimeUnit.MILLISECONDS.toNanos(1))
            {
                lastLinkCheck = now;
                counters.linkUp.setRelease(linkUp() ? 1 : 0);
            }
            return work;
        }

        @Override
        public void onClose()
        {
            localRunEnded(); // a block waiting for Aeron stays in the local ring, unsent
            counters.linkUp.setRelease(0);
        }

        @Override
        public String roleName()
        {
            return "shmipc-bridge-" + side + "-" + config.localName();
        }
    }

    /**
     * The agent's idle strategy: the current local channel's (made with its incoming signal), or a backoff up to
     * 1 ms while there is none. Swapped on the agent's thread (or before it starts), used only there.
     */
    private static final class LocalIdle implements IdleStrategy
    {
        private final IdleStrategy detached = new BackoffIdleStrategy(10, 30, 1_000, 1_000_000);
        private IdleStrategy current = detached;

        void use(final IdleStrategy local)
        {
            current = null != local ? local : detached;
            current.reset();
        }

        public void idle(final int workCount)
        {
            current.idle(workCount);
        }

        public void idle()
        {
            current.idle();
        }

        public void reset()
        {
            current.reset();
        }

        public String alias()
        {
            return current.alias();
        }
    }

    /**
     * Stop the agent, give up blocks waiting for Aeron, close the local channel (the guest-side bridge removes the
     * channel it created), the Aeron client and the embedded driver, whose directory is removed. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        running = false;
        try
        {
            if (runner != null)
            {
                runner.close();
                runner = null;
            }
            if (invoker != null)
            {
                invoker.close();
                invoker = null;
            }
        }
        finally
        {
            try
            {
                closeLocal();
            }
            finally
            {
                closeAll(aeron, driver);
                plan.close();
                if (embeddedDir != null)
                {
                    IoUtil.delete(embeddedDir, true);
                }
            }
        }
    }

    private static void closeAll(final Aeron aeron, final MediaDriver driver)
    {
        try
        {
            if (aeron != null)
            {
                aeron.close();
            }
        }
        finally
        {
            if (driver != null)
            {
                driver.close();
            }
        }
    }
}

package io.shmipc.core.channel;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentTruncatedException;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.affinity.Affinity;
import io.shmipc.affinity.AffinityPlan;
import io.shmipc.affinity.Placement;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.IdleStrategyFactory;
import io.shmipc.idle.SleepGuard;
import io.shmipc.signals.NamedSignal;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * What a host and a guest share: the two rings of the segment, the two signals, the writer (a batching writer
 * thread or the caller), the reader thread and the affinity plan of both threads. Package-private: users see
 * {@link IpcHost} and {@link IpcGuest}.
 */
final class ChannelSide
{
    private final ChannelConfig config;
    private final SharedSegment segment;
    private final SimpleIpcRingBuffer out;
    private final SimpleIpcRingBuffer in;
    /** Queue 0's buffer, whose header holds the host epoch: made once, read every 100 ms. */
    private final AtomicBuffer toGuestQueue;
    private final NamedSignal outSignal;
    private final AffinityPlan plan;
    private final WriterAgent writer;
    /** The calling threads' writer of {@link WriteMode#CALLER}, or null with a writer thread. */
    private final CombiningWriter callerWriter;
    private final ReaderAgent reader;
    private final ChannelConductor conductor;
    private final MessageHandler handler;
    private final ControlledMessageHandler controlledHandler;
    private final IdleStrategy callerIdle;
    /** The agents' idle strategies as run: the configured ones, or {@code yield} when those would oversubscribe. */
    private final IdleStrategyFactory readerIdle;
    private final IdleStrategyFactory writerIdle;
    /** Spinning agents that yield instead (see {@link #spinningAgents}), said once at start; 0 if none. */
    private final int yieldingInstead;
    /** The CPUs this process may use, as the oversubscription rule counted them at start. */
    private final int cpus;
    private final NamedSignal inSignal;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final AgentInvoker invoker;
    private final Agent composite;
    private final CountDownLatch readerStopped = new CountDownLatch(1);
    /** Caller-mode operations (caller writes, caller polls) in progress: the mapping must outlive them. */
    private final AtomicInteger callersInside = new AtomicInteger();
    private volatile boolean closing;
    /** Held by the one caller that reads for all in {@link ReadMode#CALLER} (leader/follower). */
    private final AtomicBoolean pollLock = new AtomicBoolean();
    /**
     * Callers waiting in {@link #pollUntil} while another leads: one of them is woken to take the lead whenever the
     * lead is given up with followers left, so no call waits for its park to time out with nobody reading.
     * Preallocated; a caller that finds every slot taken uses {@link #overflowFollower}.
     */
    private final AtomicReferenceArray<Thread> followers = new AtomicReferenceArray<>(FOLLOWER_SLOTS);
    private final AtomicInteger followerCount = new AtomicInteger();
    private final AtomicReference<Thread> overflowFollower = new AtomicReference<>();
    /** Messages the conductor's safety-net read delivered (no caller was reading), for tests and diagnostics. */
    private final AtomicLong conductorReads = new AtomicLong();
    private static final int FOLLOWER_SLOTS = 64;
    private static final int NO_SLOT = -1;
    private static final int OVERFLOW_SLOT = -2;
    /** What a busy-spinning agent runs instead when it would oversubscribe the CPUs. */
    private static final IdleStrategyFactory YIELD_INSTEAD = IdleStrategies.parse(IdleStrategies.YIELD);
    /**
     * Longest park of a follower before it looks again (a safety net: the lead is handed to a follower whenever it is
     * given up): {@link ChannelConfig#followerParkNanos()}.
     */
    private final long followerParkNanos;
    private int polls;
    private final ThreadLocal<UnsafeBuffer> views = ThreadLocal.withInitial(UnsafeBuffer::new);
    private final ErrorHandler failureListener;
    private final ErrorHandler errorHandler;
    private final AtomicLong errors = new AtomicLong();
    private volatile Throwable failure;

    /**
     * @param outSignal       posted after publishing to {@code out}.
     * @param inSignal        the signal the reader blocks on.
     * @param handler         of each incoming message, or null when {@code controlledHandler} is given.
     * @param controlledHandler of each incoming message with Agrona's actions (read with {@code controlledRead}),
     *                        or null when {@code handler} is given.
     * @param keepRunning     the side's liveness rule, asked about every 100 ms by the conductor; may be null.
     * @param timers          the layer above's timers, run about every 100 ms by the conductor; may be null.
     * @param failureListener told, once, of the failure that stops this side's reader or writer (on that thread);
     *                        may be null.
     * @param readMode        the side's effective read mode (the config's, or the side's default).
     */
    ChannelSide(
        final ChannelConfig config,
        final SharedSegment segment,
        final QueueId outQueue,
        final NamedSignal outSignal,
        final NamedSignal inSignal,
        final MessageHandler handler,
        final ControlledMessageHandler controlledHandler,
        final BooleanSupplier keepRunning,
        final Runnable timers,
        final ErrorHandler failureListener,
        final ReadMode readMode)
    {
        this.config = config;
        this.followerParkNanos = config.followerParkNanos();
        this.failureListener = failureListener;
        this.errorHandler = this::onError;
        this.segment = segment;
        this.out = segment.simpleIpcRing(outQueue);
        this.in = segment.simpleIpcRing(outQueue == QueueId.TO_GUEST ? QueueId.FROM_GUEST : QueueId.TO_GUEST)
            .trustShmipcWriter(config.trustPeer());
        this.toGuestQueue = (outQueue == QueueId.TO_GUEST ? out : in).buffer();
        this.outSignal = outSignal;
        this.inSignal = inSignal;
        if ((null == handler) == (null == controlledHandler))
        {
            throw new IllegalArgumentException("exactly one of handler and controlledHandler");
        }
        this.handler = handler;
        this.controlledHandler = controlledHandler;
        final ThreadingMode mode = config.threadingMode();
        final boolean readerAgent = readMode == ReadMode.READER_THREAD;
        this.plan = AffinityPlan.builder(config.name())
            .role(ChannelConfig.WRITER_ROLE, config.writerAffinity())
            .role(ChannelConfig.READER_ROLE, config.readerAffinity())
            .resolve();
        try
        {
            final NamedSignal wakeTarget = mode == ThreadingMode.SHARED && readerAgent ? inSignal : null;
            this.writer = config.writeMode() == WriteMode.WRITER_THREAD ? new WriterAgent(config.name(), out,
                outSignal, config.handoffCapacity(), wakeTarget, mode == ThreadingMode.DEDICATED, this::fail) : null;
            this.callerWriter = writer == null ? new CombiningWriter(out, outSignal, () -> closing) : null;
            this.reader = readerAgent ? new ReaderAgent(config.name(), in, segment, handler, controlledHandler,
                errorHandler, this::fail, readerStopped::countDown, callerWriter) : null;
            final int spinning = spinningAgents(config, mode, reader != null, writer != null);
            final boolean handoff = writer != null || (reader != null && outQueue == QueueId.TO_GUEST);
            this.cpus = Affinity.processCpuCount(); // the process's, which its peer shares, not this thread's
            this.yieldingInstead = oversubscribes(spinning, handoff, cpus) ? spinning : 0;
            this.readerIdle = yieldingInstead > 0 && IdleStrategies.holdsCpu(config.readerIdleFactory()) ?
                YIELD_INSTEAD : config.readerIdleFactory();
            this.writerIdle = yieldingInstead > 0 && IdleStrategies.holdsCpu(config.writerIdleFactory()) ?
                YIELD_INSTEAD : config.writerIdleFactory();
            this.callerIdle = readerAgent ? null : config.readerIdleFactory().newStrategy(inSignal, in);
            this.conductor = new ChannelConductor(config.name(), segment, keepRunning, this::fail, this::stopReader,
                readerAgent ? null : this::readIfNoCallerReads, timers);

            final List<Agent> agents = new ArrayList<>(3);
            if (reader != null)
            {
                agents.add(reader);
            }
            if (writer != null)
            {
                agents.add(writer);
            }
            agents.add(conductor);
            this.composite = mode == ThreadingMode.INVOKER ? new GatedAgent(new CompositeAgent(agents)) :
                new CompositeAgent(agents);
            if (mode == ThreadingMode.DEDICATED)
            {
                this.invoker = null;
                if (reader != null)
                {
                    runners.add(new AgentRunner(readerIdle.newStrategy(inSignal, in),
                        errorHandler, null, reader));
                }
                if (writer != null)
                {
                    runners.add(new AgentRunner(writerIdle
                        .newStrategy(writer.wakeup(), writer.wakeup()), errorHandler, null, writer));
                }
                runners.add(new AgentRunner(new SleepingMillisIdleStrategy(10), errorHandler, null, conductor));
            }
            else if (mode == ThreadingMode.SHARED)
            {
                this.invoker = null;
                final IdleStrategy idle = reader != null ?
                    readerIdle.newStrategy(inSignal, writer == null ? in :
                        new BothEmpty(in, writer.wakeup())) :
                    writer != null ? writerIdle.newStrategy(writer.wakeup(), writer.wakeup()) :
                    new SleepingMillisIdleStrategy(10);
                runners.add(new AgentRunner(idle, errorHandler, null, composite));
            }
            else
            {
                this.invoker = new AgentInvoker(errorHandler, null, composite);
            }
        }
        catch (final RuntimeException ex)
        {
            plan.close();
            throw ex;
        }
    }

    /**
     * The sleep guard of a shared thread that reads the peer's queue and writes what this process's senders hand
     * over: it may block only while both are empty. Both checks are the Dekker handshakes of their parts.
     */
    private static final class BothEmpty implements SleepGuard
    {
        private final SimpleIpcRingBuffer ring;
        private final HandoffWakeup handoff;

        BothEmpty(final SimpleIpcRingBuffer ring, final HandoffWakeup handoff)
        {
            this.ring = ring;
            this.handoff = handoff;
        }

        public boolean prepareToSleep()
        {
            if (!handoff.prepareToSleep())
            {
                return false;
            }
            if (!ring.prepareToSleep())
            {
                handoff.awake();
                return false;
            }
            return true;
        }

        public void awake()
        {
            handoff.awake();
            ring.awake();
        }
    }

    /**
     * Start the agents' threads (or the invoker). Called by the owner once it is fully constructed, since a message
     * may be waiting already and its handler may answer at once.
     */
    void start()
    {
        if (reader == null)
        {
            in.awake();
            in.consumerHeartbeatTime(System.currentTimeMillis());
        }
        warnIfOversubscribed();
        if (invoker != null)
        {
            invoker.start();
            return;
        }
        for (final AgentRunner runner : runners)
        {
            final Agent agent = runner.agent();
            final ThreadFactory factory = agent == writer ? plan.threadFactory(ChannelConfig.WRITER_ROLE) :
                agent == conductor ? runnable -> new Thread(runnable, conductor.roleName()) :
                plan.threadFactory(ChannelConfig.READER_ROLE);
            AgentRunner.startOnThread(runner, runnable ->
            {
                final Thread thread = factory.newThread(runnable);
                thread.setDaemon(true);
                return thread;
            });
        }
    }

    /**
     * Agent threads of this side that never block or yield (busy-spin, no-op). With a peer on the same machine doing
     * the same, they oversubscribe the CPUs this process may use when twice their number exceeds them, or equals
     * them while a message also needs another thread to run (a writer thread, or the callers a host's reader thread
     * completes): that thread then waits for the scheduler's time slice (milliseconds per message). The agents then
     * yield their CPU between polls instead ({@code yield}), so the other threads run at once.
     */
    private static int spinningAgents(
        final ChannelConfig config, final ThreadingMode mode, final boolean reader, final boolean writer)
    {
        if (mode == ThreadingMode.INVOKER)
        {
            return 0; // the application's own thread, its own idle strategy
        }
        final boolean readerSpins = reader && IdleStrategies.holdsCpu(config.readerIdleFactory());
        final boolean writerSpins = writer && IdleStrategies.holdsCpu(config.writerIdleFactory());
        if (mode == ThreadingMode.SHARED)
        {
            return reader ? (readerSpins ? 1 : 0) : (writerSpins ? 1 : 0);
        }
        return (readerSpins ? 1 : 0) + (writerSpins ? 1 : 0);
    }

    /**
     * @param spinning agents of this side that would busy-spin (its peer assumed to run as many).
     * @param handoff  a message also needs another thread of this side to run (a writer thread, or callers that a
     *                 host's reader thread completes).
     * @param cpus     CPUs this process may use.
     * @return true if those agents should yield between polls instead.
     */
    static boolean oversubscribes(final int spinning, final boolean handoff, final int cpus)
    {
        return spinning > 0 && (2 * spinning > cpus || (handoff && 2 * spinning >= cpus));
    }

    /**
     * @return the reader agent's idle strategy as run (for tests and diagnostics).
     */
    IdleStrategyFactory readerIdleInUse()
    {
        return readerIdle;
    }

    /** Said once, at start, when the configured busy-spinning agents would oversubscribe the CPUs. */
    private void warnIfOversubscribed()
    {
        if (0 == yieldingInstead)
        {
            return;
        }
        System.err.println("shmipc: channel " + config.name() + " would start " + yieldingInstead + " busy-spinning " +
            "thread" + (yieldingInstead > 1 ? "s" : "") + " (" + config.threadingMode() + ", reader " +
            config.readerIdle() + ", writer " + config.writerIdle() + "), its peer likely as many, on " + cpus +
            " allowed CPU" + (cpus > 1 ? "s" : "") + ", while each message also needs other threads: they would " +
            "take turns at the scheduler's time slice (milliseconds per message), so they yield their CPU between " +
            "polls instead; for spinning without that, use threading mode SHARED or the caller modes, or give the " +
            "process more CPUs");
    }

    /**
     * An error the side survives: counted, and reported to the configured error handler.
     */
    private void onError(final Throwable error)
    {
        countError();
        config.errorHandler().onError(error);
    }

    private void countError()
    {
        errors.incrementAndGet();
        final AtomicCounter counter = config.errorCounter();
        if (counter != null)
        {
            counter.increment();
        }
    }

    private void stopReader()
    {
        if (reader != null)
        {
            reader.requestStop("stopped by the conductor");
            inSignal.post();
        }
        else
        {
            readerStopped.countDown();
        }
    }

    /**
     * {@link ThreadingMode#INVOKER}: the invoker the application drives.
     *
     * @throws IllegalStateException in the other modes.
     */
    AgentInvoker invoker()
    {
        if (invoker == null)
        {
            throw new IllegalStateException("channel " + config.name() + " runs in threading mode " +
                config.threadingMode() + ": only INVOKER has an invoker");
        }
        return invoker;
    }

    /**
     * @return the side's agents as one composite agent, for the application's own runner ({@link ThreadingMode#INVOKER}
     * only: then the application runs it instead of {@link #invoker()}).
     */
    Agent agent()
    {
        invoker();
        return composite;
    }

    /**
     * @return a new idle strategy made by {@code factory} that waits on this side's incoming signal and sleeps
     * with the incoming queue's handshake, as the reader thread's would ({@link ThreadingMode#INVOKER} only).
     * @throws IllegalStateException in the other modes, or when the side's callers read.
     */
    IdleStrategy newInvokerIdle(final IdleStrategyFactory factory)
    {
        invoker();
        if (reader == null)
        {
            throw new IllegalStateException("channel " + config.name() + " reads on its callers (read mode " +
                "CALLER): its invoker has no reader whose idle strategy this would be");
        }
        return factory.newStrategy(inSignal, in);
    }

    /**
     * {@link ReadMode#CALLER}: read what has arrived on the calling thread.
     *
     * @return messages handed to the handler.
     * @throws IllegalStateException if another thread has polled before, or the side has a reader thread.
     */
    int poll()
    {
        if (reader != null)
        {
            throw new IllegalStateException("channel " + config.name() + " has a reader thread: read mode " +
                "CALLER is needed to poll");
        }
        enter();
        try
        {
            if (!pollLock.compareAndSet(false, true))
            {
                return 0; // another thread is polling: it completes this thread's calls too
            }
            try
            {
                return pollOnce();
            }
            finally
            {
                leaveLead();
            }
        }
        finally
        {
            exit();
        }
    }

    /**
     * The conductor's read in {@link ReadMode#CALLER}, about every 100 ms: if no caller holds the lead, read what has
     * arrived and refresh the consumer heartbeat. A failure is recorded by {@link #fail} (and reported there).
     */
    private void readIfNoCallerReads()
    {
        callersInside.incrementAndGet();
        try
        {
            if (closing || failure != null || !pollLock.compareAndSet(false, true))
            {
                return;
            }
            try
            {
                conductorReads.addAndGet(pollOnce());
                in.consumerHeartbeatTime(System.currentTimeMillis());
            }
            catch (final RuntimeException ex)
            {
                // recorded by fail(), which stopped this side's reading: every call now fails with it
            }
            finally
            {
                leaveLead();
            }
        }
        finally
        {
            callersInside.decrementAndGet();
        }
    }

    /**
     * The polling thread gives up the lead, and wakes a waiting follower (if any) to take it.
     */
    private void leaveLead()
    {
        pollLock.set(false);
        wakeOneFollower();
    }

    /**
     * Wake one caller waiting as a follower, if any: it takes the lead if its call is not done, or hands this on as
     * it leaves. Costs one read when there is none (a single calling thread).
     */
    private void wakeOneFollower()
    {
        if (0 == followerCount.get())
        {
            return;
        }
        for (int i = 0; i < FOLLOWER_SLOTS; i++)
        {
            final Thread follower = followers.get(i);
            if (null != follower)
            {
                LockSupport.unpark(follower);
                return;
            }
        }
        final Thread overflow = overflowFollower.get();
        if (null != overflow)
        {
            LockSupport.unpark(overflow);
        }
    }

    private int registerFollower(final Thread thread)
    {
        followerCount.incrementAndGet();
        for (int i = 0; i < FOLLOWER_SLOTS; i++)
        {
            if (null == followers.get(i) && followers.compareAndSet(i, null, thread))
            {
                return i;
            }
        }
        overflowFollower.set(thread);
        return OVERFLOW_SLOT;
    }

    private void unregisterFollower(final int slot, final Thread thread)
    {
        if (OVERFLOW_SLOT == slot)
        {
            overflowFollower.compareAndSet(thread, null);
        }
        else
        {
            followers.set(slot, null);
        }
        followerCount.decrementAndGet();
    }

    /**
     * Record the failure that stops this side (the first one wins): a fault on a truncated mapping becomes a
     * {@link SegmentTruncatedException}. Counted, and passed to the failure listener.
     *
     * @return the failure as recorded.
     */
    private RuntimeException fail(final Throwable t)
    {
        final Throwable explained = segment.explainFault(t);
        countError();
        if (writer != null)
        {
            writer.stopAccepting();
        }
        if (failure == null)
        {
            failure = explained;
            if (failureListener != null)
            {
                failureListener.onError(explained);
            }
        }
        return explained instanceof RuntimeException ? (RuntimeException)explained :
            new IllegalStateException("channel " + config.name() + " failed: " + explained, explained);
    }

    /**
     * @return errors that stopped this side's reader or writer, or a caller-mode read or write.
     */
    long errorCount()
    {
        return errors.get();
    }

    /** The caller must hold {@link #pollLock}. */
    private int pollOnce()
    {
        final int read;
        try
        {
            read = null != handler ? in.read(handler, ReaderAgent.BATCH_LIMIT) :
                in.controlledRead(controlledHandler, ReaderAgent.BATCH_LIMIT);
        }
        catch (final RuntimeException | InternalError ex)
        {
            throw fail(ex);
        }
        if ((++polls & 0x3F) == 0)
        {
            in.consumerHeartbeatTime(System.currentTimeMillis());
        }
        return read;
    }

    /**
     * Register a caller-mode operation, or refuse it once closing has begun. The increment is a full fence before
     * the read of {@code closing}, and {@link #close()} sets {@code closing} before it reads the count, so either
     * the caller sees the close or the close waits for the caller: the mapping is never unmapped under a caller.
     */
    private void enter()
    {
        callersInside.incrementAndGet();
        if (closing)
        {
            callersInside.decrementAndGet();
            throw new IllegalStateException("channel " + config.name() + " is closed");
        }
    }

    private void exit()
    {
        callersInside.decrementAndGet();
    }

    /**
     * {@link ReadMode#CALLER}: poll on the calling thread, idling with the reader's strategy, until {@code done} or
     * the deadline ({@link System#nanoTime()}). With {@code wait}, the deadline may be overrun by one block timeout.
     */
    void pollUntil(final Completion done, final long deadline)
    {
        enter();
        final Thread self = Thread.currentThread();
        int followerSlot = NO_SLOT;
        try
        {
            while (!done.isDone())
            {
                if (closing)
                {
                    throw new IllegalStateException(
                        "channel " + config.name() + " closed while waiting for a response");
                }
                if (pollLock.compareAndSet(false, true))
                {
                    if (NO_SLOT != followerSlot)
                    {
                        unregisterFollower(followerSlot, self); // a leader is no follower: nobody need wake it
                        followerSlot = NO_SLOT;
                    }
                    // Leader: read for everyone (completing and unparking the others' calls) until this call is done.
                    try
                    {
                        callerIdle.reset();
                        while (!done.isDone())
                        {
                            if (closing)
                            {
                                throw new IllegalStateException("channel " + config.name() +
                                    " closed while waiting for a response");
                            }
                            final int read = pollOnce();
                            if (read == 0 && System.nanoTime() - deadline >= 0)
                            {
                                return;
                            }
                            callerIdle.idle(read);
                        }
                    }
                    finally
                    {
                        leaveLead();
                    }
                    return;
                }
                // Follower: the leader completes this call (and unparks it) or leaves the lead to it.
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    return;
                }
                if (NO_SLOT == followerSlot)
                {
                    followerSlot = registerFollower(self);
                }
                if (!done.isDone() && pollLock.get())
                {
                    LockSupport.parkNanos(this, Math.min(left, followerParkNanos));
                }
            }
        }
        finally
        {
            if (NO_SLOT != followerSlot)
            {
                unregisterFollower(followerSlot, self);
                if (!pollLock.get())
                {
                    wakeOneFollower(); // woken to lead but done already: hand the lead on rather than leave none
                }
            }
            exit();
        }
    }

    /**
     * @return messages the conductor read because no caller was reading ({@link ReadMode#CALLER}).
     */
    long messagesReadByConductor()
    {
        return conductorReads.get();
    }

    /** Something a caller-mode poll waits for. */
    interface Completion
    {
        boolean isDone();
    }

    boolean callerReads()
    {
        return reader == null;
    }

    /**
     * Send one message, waiting up to {@code timeoutNs} for room (in the handoff queue or, in caller mode, in the
     * shared queue).
     *
     * @return true if sent, false if there was no room in time or the side is closing.
     * @throws IllegalArgumentException if longer than the queue's maxMsgLength.
     * @throws IllegalStateException    in caller mode, when called from a second thread.
     */
    boolean send(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        if (writer != null)
        {
            if (writer.offer(buffer, offset, length))
            {
                return true;
            }
            final long deadline = System.nanoTime() + timeoutNs;
            while (writer.isRunning() && System.nanoTime() - deadline < 0)
            {
                LockSupport.parkNanos(1000);
                if (writer.offer(buffer, offset, length))
                {
                    return true;
                }
            }
            return false;
        }
        return writeAsCaller(buffer, offset, length, timeoutNs);
    }

    boolean send(final ByteBuffer message, final long timeoutNs)
    {
        final UnsafeBuffer view = views.get();
        view.wrap(message, message.position(), message.remaining());
        return send(view, 0, message.remaining(), timeoutNs);
    }

    private boolean writeAsCaller(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        enter();
        try
        {
            return callerWriter.write(buffer, offset, length, timeoutNs);
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            throw ex; // the caller's mistake (oversize, second thread), not the channel's
        }
        catch (final RuntimeException | InternalError ex)
        {
            throw fail(ex);
        }
        finally
        {
            exit();
        }
    }

    SharedSegment segment()
    {
        return segment;
    }

    /**
     * For this side's own reader thread, which {@link #close()} stops before anything is unmapped.
     *
     * @return the consumer heartbeat the peer keeps on the queue this side writes (epoch ms), 0 if it keeps none.
     */
    long peerHeartbeatFromReader()
    {
        return out.consumerHeartbeatTime();
    }

    /**
     * For this side's own reader thread: a header word of queue 0 (the host epoch).
     */
    long toGuestHeaderWordFromReader(final int offset)
    {
        return toGuestQueue.getLongVolatile(offset);
    }

    /**
     * Any thread.
     *
     * @return true if the peer's heartbeat is fresh; false if it is stale or the peer keeps none (C++/Go).
     * @throws IllegalStateException once the side is closing: the mapping may be gone.
     */
    boolean peerAlive()
    {
        enter();
        try
        {
            final long heartbeat = out.consumerHeartbeatTime();
            return heartbeat != 0 && System.currentTimeMillis() - heartbeat <= config.peerTimeout().toMillis();
        }
        finally
        {
            exit();
        }
    }

    List<Placement> placements()
    {
        return plan.placements();
    }

    boolean isRunning()
    {
        return !closing && failure == null && readerStopped.getCount() > 0 && (writer == null || writer.isRunning());
    }

    /**
     * @return the failure that stopped this side's reader or writer (or a caller-mode read or write), or null.
     */
    Throwable failure()
    {
        return failure;
    }

    /**
     * Wait until the reader has stopped (its host vanished, it failed, or the side closed).
     *
     * @return true if it stopped within the timeout.
     */
    boolean awaitReaderTermination(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return readerStopped.await(timeout, unit);
    }

    /**
     * Stop the writer (after it has written what it can: up to 1 s while its messages go out, 50 ms once the peer
     * stops making room) and the other agents, refuse new caller-mode operations and invocations and wait (up to
     * 5 s) for those in progress, release the CPUs. A reader blocked on its semaphore is woken at once. Does not
     * unmap.
     *
     * @return true if no thread of this side can touch the mapping any more, so the owner may unmap it.
     */
    public boolean close()
    {
        closing = true;
        try
        {
            if (writer != null)
            {
                writer.stopAccepting();
                if (invoker == null)
                {
                    awaitWriterDrained();
                }
            }
        }
        finally
        {
            if (reader != null)
            {
                reader.requestStop("closed");
            }
            inSignal.post(); // wakes a reader (or a caller) blocked on the semaphore, which then sees the close
            if (writer != null)
            {
                writer.wakeup().post();
            }
            for (final AgentRunner runner : runners)
            {
                runner.close();
            }
            if (reader == null && !segment.isTruncated())
            {
                in.resetReaderState();
            }
            plan.close();
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (callersInside.get() > 0 && System.nanoTime() - deadline < 0)
        {
            inSignal.post();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        if (invoker != null && callersInside.get() == 0)
        {
            invoker.close(); // the agents' onClose, once: every invocation from now on is refused by the gate
            while (callersInside.get() > 0 && System.nanoTime() - deadline < 0)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // an application runner's onClose
            }
        }
        readerStopped.countDown();
        boolean threadsDone = true;
        for (final AgentRunner runner : runners)
        {
            threadsDone &= runner.isClosed();
        }
        final boolean quiescent = callersInside.get() == 0 && threadsDone;
        if (quiescent && !segment.isTruncated())
        {
            in.consumerHeartbeatTime(0); // this side has left: its peer need not wait out the heartbeat timeout
        }
        return quiescent;
    }

    private void awaitWriterDrained()
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        long stalledSince = System.nanoTime();
        int lastSize = writer.pending();
        while (lastSize > 0 && failure == null && System.nanoTime() - deadline < 0 &&
            System.nanoTime() - stalledSince < TimeUnit.MILLISECONDS.toNanos(50))
        {
            Thread.yield();
            final int size = writer.pending();
            if (size < lastSize)
            {
                stalledSince = System.nanoTime();
            }
            lastSize = size;
        }
    }

    /**
     * The composite agent of {@link ThreadingMode#INVOKER}, behind the caller gate: the application's thread may be
     * inside {@link #doWork()} when another thread closes the side, and the mapping must outlive it.
     */
    private final class GatedAgent implements Agent
    {
        private final Agent agent;
        private final AtomicBoolean agentsClosed =
            new AtomicBoolean();

        GatedAgent(final Agent agent)
        {
            this.agent = agent;
        }

        public void onStart()
        {
            callersInside.incrementAndGet();
            try
            {
                if (!closing)
                {
                    agent.onStart();
                }
            }
            finally
            {
                callersInside.decrementAndGet();
            }
        }

        public int doWork() throws Exception
        {
            callersInside.incrementAndGet();
            try
            {
                if (closing)
                {
                    throw new AgentTerminationException("channel " + config.name() + " is closed", true);
                }
                return agent.doWork();
            }
            finally
            {
                callersInside.decrementAndGet();
            }
        }

        /**
         * Runs the agents' {@code onClose} once, whoever calls first (the side's own invoker at close, or the
         * application's runner), counted as a caller so that the side's close waits for it before unmapping; a
         * later call does nothing and touches nothing.
         */
        public void onClose()
        {
            callersInside.incrementAndGet();
            try
            {
                if (agentsClosed.compareAndSet(false, true))
                {
                    agent.onClose();
                }
            }
            finally
            {
                callersInside.decrementAndGet();
            }
        }

        public String roleName()
        {
            return agent.roleName();
        }
    }
}

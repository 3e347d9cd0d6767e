package io.shmipc.tools;

import io.shmipc.affinity.CpuSet;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.schemas.AddService;
import io.shmipc.tools.cli.DurationConverter;
import org.agrona.DirectBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code shmipc guest NAME}: the Go benchmark guest's behaviour on an {@link IpcGuest}, so it serves the C++ host
 * benchmark (or {@code shmipc host}) unchanged: the same names, the same bytes. Every {@code AddRequest{x,y}} is
 * answered with {@code AddResponse{x+y}}, every {@code MyRandRequest} with {@code MyRandResponse{0.12345}}, with
 * the request's {@code req_id}.
 * <p>
 * With one worker (the default) the guest's reader thread answers each request itself. With {@code --workers N}
 * the reader copies each request and hands it to N worker threads, which answer in any order
 * ({@link IpcGuest#respond} is thread safe: each writes its answer itself, write mode CALLER, under a lock), but
 * only while answering takes longer than a hand-off ({@link HandlerTiming}): a quick handler is answered by the reader
 * itself. When their queue of 4096 requests is full the reader answers itself.
 * <p>
 * It waits up to {@code --timeout} for the host's channel, then runs until the host goes away (its segment is
 * removed or its heartbeat stops), its reader fails (exit 5 for a corrupt queue, 4 for a truncated segment, 1
 * otherwise) or the process is interrupted (a shutdown hook closes the guest), and prints how many requests it
 * answered. When a new host re-initialises the segment (a host restarted on the same name), it attaches again,
 * waiting up to {@code --timeout}, and keeps serving.
 */
@Command(
    name = "guest",
    description = {
        "Answer the original benchmark's requests on channel NAME (the Go guest's behaviour): AddRequest{x,y} -> " +
        "AddResponse{x+y}, MyRandRequest -> MyRandResponse{0.12345}, same req_id.",
        "Waits for the host up to --timeout, serves until the host goes away or Ctrl-C, then prints the count."},
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Served until the host went away or Ctrl-C, every request answered.",
        "1:Some requests were not valid ipc messages or could not be answered; or a runtime failure.",
        "2:Usage error (bad option, idle strategy, CPU spec or channel name).",
        "3:The channel did not appear within --timeout (also after the host restarted).",
        "4:The segment is not a valid SimpleIPC v1 segment, or it was truncated under the reader.",
        "5:The reader found the host's queue (toGuest) corrupt.",
        "130:Ctrl-C (SIGINT).",
        "143:SIGTERM."})
final class GuestCommand implements Callable<Integer>
{
    /** First line printed once attached; tests and scripts wait for it. */
    static final String ATTACHED = "attached";

    private static final int WORKER_QUEUE = 4096;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration DRAIN = Duration.ofSeconds(5);
    /** How long the shutdown hook lets the main thread close the guest and print its summary. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);

    @Parameters(paramLabel = "NAME", description = "Channel name: /dev/shm/NAME, semaphores /NAME_REQ and /NAME_RESP.")
    String name;

    @Option(names = "--workers", defaultValue = "1",
        description = "Threads answering requests; 1 answers on the reader thread (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class,
        description = "Longest wait for the host's channel to appear (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @CommandLine.Mixin
    ChannelSideOptions side;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong unsent = new AtomicLong();
    /** Requests handed to the workers and not answered yet. */
    private final AtomicLong inFlight = new AtomicLong();
    private ThreadPoolExecutor pool;

    public Integer call() throws Exception
    {
        if (workers < 1 || workers > 256)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--workers must be from 1 to 256, was " + workers);
        }
        final PrintWriter out = spec.commandLine().getOut();
        final ChannelConfig config = side.applyTo(ChannelConfig.builder(name))
            .openTimeout(timeout)
            .writeMode(WriteMode.CALLER) // the reader or the workers write, taking turns under a lock
            .build();

        final PrintWriter err = spec.commandLine().getErr();
        side.unusedPlacements(config).forEach(note -> err.println("shmipc guest: note: " + note));
        final ThreadPoolExecutor pool = workers > 1 ? workerPool() : null;
        this.pool = pool;
        final ThreadLocal<AddService> services = ThreadLocal.withInitial(AddService::new);
        final byte[] readerBytes = new byte[64 * 1024];
        final HandlerTiming timing = new HandlerTiming();
        final IpcGuest.RequestHandler handler = (buffer, index, length, guest) ->
        {
            if (null == pool || timing.answerInline())
            {
                final long start = System.nanoTime();
                final ByteBuffer request =
                    copy(buffer, index, length, length <= readerBytes.length ? readerBytes : null);
                answer(guest, request, services.get());
                timing.record(System.nanoTime() - start);
            }
            else
            {
                final ByteBuffer request = copy(buffer, index, length, null);
                inFlight.incrementAndGet();
                pool.execute(() ->
                {
                    try
                    {
                        answer(guest, request, services.get());
                    }
                    finally
                    {
                        inFlight.decrementAndGet();
                    }
                });
            }
        };

        final String settings = String.format(Locale.ROOT, "reader idle %s, writer idle %s, %d worker%s",
            config.readerIdle(), config.writerIdle(), workers, 1 == workers ? " (the reader answers)" : "s");
        final CpuSet pinned = side.pinCommandThreads(SideCpus.Side.GUEST); // before the guest's threads
        out.println("guest " + name + ": " + side.describeCpus(pinned));
        final ShutdownGuard<Session> guard = new ShutdownGuard<Session>("shmipc-guest-shutdown", SHUTDOWN_GRACE, null)
            .install();
        try
        {
            return serve(() -> new GuestSession(IpcGuest.start(config, handler)), guard, settings, out);
        }
        finally
        {
            SideCpus.unpinProcess(pinned);
            if (null != pool)
            {
                pool.shutdown();
                pool.awaitTermination(5, TimeUnit.SECONDS);
            }
            guard.uninstall();
        }
    }

    /**
     * What the serving loop needs of an attached guest: an {@link IpcGuest} ({@link GuestSession}), or a stand-in in
     * unit tests.
     */
    interface Session extends AutoCloseable
    {
        /** @see IpcGuest#awaitStop */
        boolean awaitStop(Duration timeout) throws InterruptedException;

        /** @see IpcGuest#stopReason */
        String stopReason();

        /** @see IpcGuest#failure */
        Throwable failure();

        /** @see IpcGuest#hostRestarted */
        boolean hostRestarted();

        /** @return bytes per queue. */
        int capacity();

        /** @return the length of the segment's mapping. */
        long mappedLength();

        /** @return the reader's and writer's placements, one line each. */
        List<String> placements();

        /** Stop serving and unmap. Idempotent. */
        void close();
    }

    /**
     * @param guest the running guest.
     */
    record GuestSession(IpcGuest guest) implements Session
    {
        public boolean awaitStop(final Duration timeout) throws InterruptedException
        {
            return guest.awaitStop(timeout);
        }

        public String stopReason()
        {
            return guest.stopReason();
        }

        public Throwable failure()
        {
            return guest.failure();
        }

        public boolean hostRestarted()
        {
            return guest.hostRestarted();
        }

        public int capacity()
        {
            return guest.segment().capacity();
        }

        public long mappedLength()
        {
            return guest.segment().length();
        }

        public List<String> placements()
        {
            return guest.placements().stream().map(String::valueOf).toList();
        }

        public void close()
        {
            guest.close();
        }
    }

    /**
     * Attach, serve until the host goes away, the reader fails or the shutdown hook runs; when the host was
     * restarted on the same name (it re-initialised the segment under this guest), attach again (waiting up to
     * {@code --timeout}, like the first time) and keep serving.
     *
     * @param attach   opens the channel and starts serving (waits up to {@code --timeout}); throws a
     *                 {@code SegmentException} (exit 3 or 4) if it cannot.
     * @param guard    the shutdown hook's guard.
     * @param settings the idle strategies and workers, for the attached line.
     * @param out      standard output.
     * @return {@link ExitCodes#OK}, or {@link ExitCodes#INTERRUPTED} if the hook ran.
     * @throws CliException if the reader failed (exit 5 corrupt queue, 4 truncated segment, 1 otherwise) or some
     *                      requests could not be answered (1).
     */
    int serve(final Supplier<Session> attach, final ShutdownGuard<Session> guard, final String settings,
        final PrintWriter out) throws Exception
    {
        final Path file = SharedSegment.shmPath(name);
        Session session = guard.startUnlocked(attach);
        if (null == session)
        {
            return summary(out, "interrupted", 0, guard);
        }
        out.printf("guest %s: %s to %s (capacity %d per queue), %s%n", name, ATTACHED, file, session.capacity(),
            settings);
        session.placements().forEach(placement -> out.println("guest " + name + ": " + placement));
        out.flush();
        int restarts = 0;
        String reason;
        Throwable failure = null;
        long mapped = session.mappedLength();
        try
        {
            while (true)
            {
                while (!session.awaitStop(POLL) && !guard.requested())
                {
                    // wait for the host to go away, for the reader to fail, or for Ctrl-C
                }
                if (guard.requested())
                {
                    reason = "interrupted";
                    break;
                }
                if (session.hostRestarted())
                {
                    drainWorkers(DRAIN);
                    guard.close();
                    final Session next;
                    try
                    {
                        next = guard.startUnlocked(attach);
                    }
                    catch (final RuntimeException ex)
                    {
                        summary(out, "the host restarted, and attaching to its channel failed: " +
                            SegmentFiles.oneLine(ex.getMessage()), restarts, guard);
                        throw ex;
                    }
                    if (null == next)
                    {
                        reason = "interrupted";
                        break;
                    }
                    session = next;
                    mapped = session.mappedLength();
                    restarts++;
                    out.printf("guest %s: host restarted: re-attached to %s (capacity %d per queue)%n", name, file,
                        session.capacity());
                    out.flush();
                    continue;
                }
                failure = session.failure();
                reason = null != failure ? "the reader failed: " + SegmentFiles.describe(failure, file, mapped) :
                    session.stopReason();
                break;
            }
        }
        finally
        {
            drainWorkers(guard.requested() ? Duration.ofSeconds(1) : DRAIN);
            guard.close();
        }
        final int code = summary(out, reason, restarts, guard);
        if (null != failure)
        {
            throw new CliException(SegmentFiles.exitCodeOf(failure, file, mapped), "channel " + name +
                ": the guest's reader failed: " + SegmentFiles.describe(failure, file, mapped));
        }
        if (invalid.get() > 0 || unsent.get() > 0)
        {
            throw new CliException(ExitCodes.FAILURE, invalid.get() + " requests were not valid AddRequest or " +
                "MyRandRequest messages and " + unsent.get() + " responses could not be written");
        }
        return code;
    }

    private int summary(final PrintWriter out, final String reason, final int restarts,
        final ShutdownGuard<Session> guard)
    {
        out.printf("guest %s: answered %d requests (%d invalid, %d not sent), stopped: %s%s%n",
            name, answered.get(), invalid.get(), unsent.get(), reason,
            0 == restarts ? "" : " (re-attached " + restarts + (1 == restarts ? " time" : " times") +
            " after the host restarted)");
        out.flush();
        guard.mainDone();
        return guard.requested() ? ExitCodes.INTERRUPTED : ExitCodes.OK;
    }

    /**
     * Wait (bounded) until the workers have answered every request handed to them, so their answers are written
     * (and counted) before the guest they answer on is closed.
     */
    private void drainWorkers(final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (null != pool && inFlight.get() > 0 && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(1);
        }
    }

    /**
     * Decides, on the reader thread, whether a request is answered there or handed to a worker: a hand-off costs a
     * worker's wake-up (tens of microseconds on these VMs), so while answering takes less than that the reader
     * answers itself, and with more workers the guest is never slower than with one. The reader keeps measuring on
     * one request in 256 when the workers answer, so a handler that becomes quick again is answered inline again.
     */
    static final class HandlerTiming
    {
        /** Answering takes longer than this (on average): hand requests to the workers. */
        static final long HAND_OFF_NS = 20_000;
        private static final int SAMPLE_EVERY = 256;
        /** Largest value one sample counts for: twice the hand-off threshold. */
        static final long SAMPLE_CAP_NS = 2 * HAND_OFF_NS;

        private long averageNs;
        private int sinceSample;

        boolean answerInline()
        {
            if (averageNs < HAND_OFF_NS)
            {
                return true;
            }
            if (++sinceSample >= SAMPLE_EVERY)
            {
                sinceSample = 0;
                return true;
            }
            return false;
        }

        /**
         * Each sample counts at most {@link #SAMPLE_CAP_NS}: one request that took milliseconds because the reader
         * was descheduled or a GC paused it (frequent on two CPUs) then moves the average by a few microseconds, not
         * past the hand-off threshold, while a handler that is really slow still crosses it within a few requests.
         */
        void record(final long nanos)
        {
            averageNs += (Math.min(nanos, SAMPLE_CAP_NS) - averageNs) >> 3;
        }
    }

    private ThreadPoolExecutor workerPool()
    {
        final AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(WORKER_QUEUE),
            runnable ->
            {
                final Thread thread = new Thread(runnable, "guest-worker-" + name + "-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            },
            new ThreadPoolExecutor.CallerRunsPolicy());
    }

    private static ByteBuffer copy(final DirectBuffer buffer, final int index, final int length, final byte[] reuse)
    {
        final byte[] bytes = null == reuse ? new byte[length] : reuse;
        buffer.getBytes(index, bytes, 0, length);
        return ByteBuffer.wrap(bytes, 0, length).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void answer(final IpcGuest guest, final ByteBuffer request, final AddService service)
    {
        final ByteBuffer response = service.answer(request);
        if (null == response)
        {
            invalid.incrementAndGet();
        }
        else if (respond(guest, response))
        {
            answered.incrementAndGet();
        }
        else
        {
            unsent.incrementAndGet();
        }
    }

    private static boolean respond(final IpcGuest guest, final ByteBuffer response)
    {
        try
        {
            return guest.respond(response);
        }
        catch (final IllegalStateException ex)
        {
            return false; // closed meanwhile (the host restarted, or Ctrl-C): a worker's late answer is not sent
        }
    }
}

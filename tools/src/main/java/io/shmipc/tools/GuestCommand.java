package io.shmipc.tools;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.core.ChannelConfig;
import io.shmipc.core.IpcGuest;
import io.shmipc.core.WriteMode;
import org.agrona.DirectBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code shmipc guest NAME}: the Go benchmark guest's behaviour on an {@link IpcGuest}, so it serves the C++ host
 * benchmark (or {@code shmipc host}) unchanged: the same names, the same bytes. Every {@code AddRequest{x,y}} is
 * answered with {@code AddResponse{x+y}}, every {@code MyRandRequest} with {@code MyRandResponse{0.12345}}, with
 * the request's {@code req_id}.
 * <p>
 * With one worker (the default) the guest's reader thread answers each request itself. With {@code --workers N}
 * the reader copies each request and hands it to N worker threads, which answer in any order
 * ({@link IpcGuest#respond} is thread safe); when their queue of 4096 requests is full the reader answers itself.
 * <p>
 * It waits up to {@code --timeout} for the host's channel, then runs until the host goes away (its segment is
 * removed or its heartbeat stops) or the process is interrupted (a shutdown hook closes the guest), and prints how
 * many requests it answered.
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
        "3:The channel did not appear within --timeout.",
        "4:The segment is not a valid SimpleIPC v1 segment."})
final class GuestCommand implements Callable<Integer>
{
    /** First line printed once attached; tests and scripts wait for it. */
    static final String ATTACHED = "attached";

    private static final int WORKER_QUEUE = 4096;

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

    public Integer call() throws InterruptedException
    {
        if (workers < 1 || workers > 256)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--workers must be from 1 to 256, was " + workers);
        }
        final PrintWriter out = spec.commandLine().getOut();
        final ChannelConfig config = side.applyTo(ChannelConfig.builder(name))
            .openTimeout(timeout)
            .writeMode(workers > 1 ? WriteMode.WRITER_THREAD : WriteMode.CALLER)
            .build();

        final ThreadPoolExecutor pool = workers > 1 ? workerPool() : null;
        final ThreadLocal<FlatBufferBuilder> builders = ThreadLocal.withInitial(() -> new FlatBufferBuilder(128));
        final byte[] readerBytes = new byte[64 * 1024];
        final IpcGuest.RequestHandler handler = (buffer, index, length, guest) ->
        {
            if (null == pool)
            {
                final ByteBuffer request = copy(buffer, index, length, length <= readerBytes.length ? readerBytes : null);
                answer(guest, request, builders.get());
            }
            else
            {
                final ByteBuffer request = copy(buffer, index, length, null);
                pool.execute(() -> answer(guest, request, builders.get()));
            }
        };

        final IpcGuest guest = IpcGuest.start(config, handler);
        final AtomicInteger interrupted = new AtomicInteger();
        final CountDownLatch finished = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            interrupted.set(1);
            guest.close();
            try
            {
                finished.await(2, TimeUnit.SECONDS); // let the summary be printed before the JVM halts
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
        }, "shmipc-guest-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        String reason;
        try
        {
            out.printf("guest %s: %s to %s (capacity %d per queue), reader idle %s, writer idle %s, %d worker%s%n",
                name, ATTACHED, io.shmipc.core.SharedSegment.shmPath(name), guest.segment().capacity(), config.readerIdle(),
                config.writerIdle(), workers, 1 == workers ? " (the reader answers)" : "s");
            guest.placements().forEach(placement -> out.println("guest " + name + ": " + placement));
            out.flush();
            while (!guest.awaitStop(Duration.ofMillis(200)) && 0 == interrupted.get())
            {
                // wait for the host to go away, or for Ctrl-C
            }
            reason = 0 != interrupted.get() ? "interrupted" : guest.stopReason();
        }
        finally
        {
            if (null != pool)
            {
                pool.shutdown();
                pool.awaitTermination(5, TimeUnit.SECONDS);
            }
            guest.close();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ignore)
            {
                // the JVM is shutting down: the hook is running
            }
        }
        out.printf("guest %s: answered %d requests (%d invalid, %d not sent), stopped: %s%n",
            name, answered.get(), invalid.get(), unsent.get(), reason);
        out.flush();
        finished.countDown();
        if (invalid.get() > 0 || unsent.get() > 0)
        {
            throw new CliException(ExitCodes.FAILURE, invalid.get() + " requests were not valid AddRequest or " +
                "MyRandRequest messages and " + unsent.get() + " responses could not be written");
        }
        return ExitCodes.OK;
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

    private void answer(final IpcGuest guest, final ByteBuffer request, final FlatBufferBuilder builder)
    {
        final ByteBuffer response = AddService.answer(request, builder);
        if (null == response)
        {
            invalid.incrementAndGet();
        }
        else if (guest.respond(response))
        {
            answered.incrementAndGet();
        }
        else
        {
            unsent.incrementAndGet();
        }
    }
}

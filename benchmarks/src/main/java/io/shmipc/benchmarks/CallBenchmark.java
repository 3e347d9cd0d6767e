package io.shmipc.benchmarks;

import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.channel.ReadMode;
import io.shmipc.core.channel.ThreadingMode;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.signals.NamedSignals;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.schemas.IpcMessages;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One synchronous {@code IpcHost.call} (an {@code AddRequest} and its {@code AddResponse}) per operation, host and
 * guest in this JVM on one channel in {@code /dev/shm}. The host calls in caller modes (the benchmark thread writes
 * the request and reads the response itself); the guest answers from its one reader thread. Two threads in all, so
 * it fits two CPUs. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes a call allocates, host and
 * guest together (the goal is 0). Speed across processes is {@code ./shmipc bench calls}'s job, not this one's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class CallBenchmark
{
    /** The guest reader's idle strategy: {@code backoff} spins then parks; {@code wait} blocks on the semaphore. */
    @Param({"backoff", "wait"})
    public String guestIdle;

    private String name;
    private IpcGuest guest;
    private IpcHost host;
    private final Duration timeout = Duration.ofSeconds(10);
    private final IpcHost.RequestEncoder encoder = (buffer, reqId) -> IpcMessages.encodeAddRequest(buffer, reqId, 1, 2);
    private final Sum sum = new Sum();

    /** Keeps the last result: a field, so the call allocates no handler. */
    static final class Sum implements IpcHost.ResponseHandler
    {
        double last;

        public void onResponse(final DirectBuffer buffer, final int index, final int length)
        {
            last = IpcMessages.result(buffer, index, length);
        }
    }

    /** Answers x + y from the guest's reader thread, into one reused buffer. */
    static final class Adder implements IpcGuest.RequestHandler
    {
        private final ExpandableArrayBuffer response = new ExpandableArrayBuffer(128);

        public void onRequest(final DirectBuffer buffer, final int index, final int length, final IpcGuest guest)
        {
            final long reqId = IpcMessages.reqId(buffer, index, length);
            guest.respond(response, 0, IpcMessages.encodeAddResponse(response, reqId, 3));
        }
    }

    @Setup
    public void setUp()
    {
        name = "shmipc-callbench-" + ProcessHandle.current().pid() + "-" + guestIdle;
        host = IpcHost.start(ChannelConfig.builder(name).capacity(64 * 1024).threadingMode(ThreadingMode.DEDICATED)
            .readMode(ReadMode.CALLER).writeMode(WriteMode.CALLER).readerIdle("backoff").build(), IpcMessages::reqId);
        guest = IpcGuest.start(ChannelConfig.builder(name).writeMode(WriteMode.CALLER)
            .threadingMode(ThreadingMode.SHARED).readerIdle(guestIdle).build(), new Adder());
    }

    @TearDown
    public void tearDown() throws IOException
    {
        guest.close();
        host.close();
        Files.deleteIfExists(SharedSegment.shmPath(name));
        NamedSignals.unlink(NamedSignals.requestSignalName(name));
        NamedSignals.unlink(NamedSignals.responseSignalName(name));
    }

    @Benchmark
    public double call() throws TimeoutException
    {
        host.call(encoder, sum, timeout);
        return sum.last;
    }
}

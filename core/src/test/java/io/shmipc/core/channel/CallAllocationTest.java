package io.shmipc.core.channel;

import io.shmipc.core.ChildProcess;
import io.shmipc.core.TestSegments;
import io.shmipc.core.segment.SharedSegment;
import com.sun.management.ThreadMXBean;
import io.shmipc.schemas.IpcMessages;
import io.shmipc.signals.NamedSignals;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A synchronous call with a reused encoder and response handler allocates nothing in steady state, on the calling
 * thread and on the host's reader thread (ThreadMXBean's allocated bytes around 100,000 calls: measured 0; the
 * bound of 1 KiB, 0.01 byte per call, only leaves room for a one-off such as a class loaded late).
 */
class CallAllocationTest
{
    private static final int WARM_UP = 30_000;
    private static final int CALLS = 100_000;

    private final String name = TestSegments.uniqueName("alloc");
    private ChildProcess guest;

    @AfterEach
    void cleanUp() throws Exception
    {
        if (guest != null)
        {
            guest.close();
        }
        Files.deleteIfExists(SharedSegment.shmPath(name));
        NamedSignals.unlink(NamedSignals.requestSignalName(name));
        NamedSignals.unlink(NamedSignals.responseSignalName(name));
    }

    /** Reads the AddResponse's result without allocating. */
    private static final class Sum implements IpcHost.ResponseHandler
    {
        long calls;
        double last;

        public void onResponse(final DirectBuffer buffer, final int index, final int length)
        {
            calls++;
            last = IpcMessages.result(buffer, index, length);
        }
    }

    @ParameterizedTest(name = "{0}, reads {1}, writes {2}")
    @CsvSource({"DEDICATED, READER_THREAD, WRITER_THREAD", "DEDICATED, CALLER, CALLER"})
    @Timeout(180)
    void aSynchronousCallAllocatesNothing(final ThreadingMode mode, final ReadMode readMode, final WriteMode writeMode)
        throws Exception
    {
        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);
        try (IpcHost host = IpcHost.start(ChannelConfig.builder(name).capacity(64 * 1024).threadingMode(mode)
            .readMode(readMode).writeMode(writeMode).readerIdle("backoff").writerIdle("backoff").build(),
            IpcMessages::reqId))
        {
            guest = ChildProcess.java(AddGuestMain.class, name, "backoff");
            guest.awaitOutput("ready", 60, TimeUnit.SECONDS);
            final IpcHost.RequestEncoder encoder =
                (builder, reqId) -> IpcMessages.encodeAddRequest(builder, reqId, 1, 2);
            final Sum sum = new Sum();
            final Duration timeout = Duration.ofSeconds(10);
            for (int i = 0; i < WARM_UP; i++)
            {
                host.call(encoder, sum, timeout);
            }
            assertEquals(3.0, sum.last, 0.0);
            final long reader = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("shmipc-reader-"))
                .filter(t -> t.getName().contains(name)).mapToLong(Thread::getId).findFirst().orElse(-1);
            final long me = Thread.currentThread().getId();
            final long readerBefore = reader < 0 ? 0 : threads.getThreadAllocatedBytes(reader);
            final long before = threads.getThreadAllocatedBytes(me);
            for (int i = 0; i < CALLS; i++)
            {
                host.call(encoder, sum, timeout);
            }
            final long allocated = threads.getThreadAllocatedBytes(me) - before;
            final long readerAllocated = reader < 0 ? 0 : threads.getThreadAllocatedBytes(reader) - readerBefore;
            assertEquals(WARM_UP + CALLS, sum.calls);
            assertTrue(allocated < 1024, "calling thread allocated " + allocated + " bytes in " + CALLS + " calls");
            assertTrue(readerAllocated < 1024,
                "reader thread allocated " + readerAllocated + " bytes in " + CALLS + " calls");
            assertEquals(0, host.pendingCalls());
        }
    }
}

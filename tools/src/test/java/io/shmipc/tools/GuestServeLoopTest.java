package io.shmipc.tools;

import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.segment.SegmentNotFoundException;
import io.shmipc.core.segment.SegmentTruncatedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest's serving loop ({@link GuestCommand#serve}) over stand-in sessions: it re-attaches when the host was
 * restarted (issue 10, defect 3; the end-to-end test with a real restarted host is core's), and maps a failed
 * reader to exit 5 / 4 / 1 (defect 7).
 */
class GuestServeLoopTest
{
    /** A session that has already stopped, for the given reason. */
    static final class StoppedSession implements GuestCommand.Session
    {
        final boolean hostRestarted;
        final Throwable failure;
        final String reason;
        boolean closed;

        StoppedSession(final boolean hostRestarted, final Throwable failure, final String reason)
        {
            this.hostRestarted = hostRestarted;
            this.failure = failure;
            this.reason = reason;
        }

        public boolean awaitStop(final Duration timeout)
        {
            return true;
        }

        public String stopReason()
        {
            return null != failure ? "the reader failed: " + failure : reason;
        }

        public Throwable failure()
        {
            return failure;
        }

        public boolean hostRestarted()
        {
            return hostRestarted;
        }

        public int capacity()
        {
            return 4096;
        }

        public long mappedLength()
        {
            return 8448;
        }

        public List<String> placements()
        {
            return List.of("reader=none (not pinned)");
        }

        public void close()
        {
            closed = true;
        }
    }

    private static GuestCommand command(final String name)
    {
        final GuestCommand command = new GuestCommand();
        command.name = name;
        command.workers = 1;
        command.timeout = Duration.ofSeconds(1);
        return command;
    }

    private static Supplier<GuestCommand.Session> sessions(final List<StoppedSession> opened,
        final Object... results)
    {
        final Deque<Object> queue = new ArrayDeque<>(List.of(results));
        return () ->
        {
            final Object next = queue.removeFirst();
            if (next instanceof RuntimeException)
            {
                throw (RuntimeException)next;
            }
            opened.add((StoppedSession)next);
            return (StoppedSession)next;
        };
    }

    private static ShutdownGuard<GuestCommand.Session> guard()
    {
        return new ShutdownGuard<>("test-guest-shutdown", Duration.ofSeconds(1), null); // never installed
    }

    @Test
    @Timeout(30)
    void reattachesWhenTheHostRestartedAndKeepsServing() throws Exception
    {
        final List<StoppedSession> opened = new ArrayList<>();
        final StringWriter out = new StringWriter();
        final int code = command("reattach-unit").serve(sessions(opened,
            new StoppedSession(true, null, "a new host re-initialised the segment"),
            new StoppedSession(true, null, "a new host re-initialised the segment"),
            new StoppedSession(false, null, "the host removed the segment /dev/shm/reattach-unit")),
            guard(), "settings", new PrintWriter(out));

        assertEquals(ExitCodes.OK, code, out.toString());
        assertEquals(3, opened.size(), out.toString());
        opened.forEach(session -> assertTrue(session.closed, out.toString()));
        final String text = out.toString();
        assertEquals(1, count(text, "guest reattach-unit: attached to /dev/shm/reattach-unit"), text);
        assertEquals(2, count(text, "guest reattach-unit: host restarted: re-attached to /dev/shm/reattach-unit " +
            "(capacity 4096 per queue)"), text);
        assertTrue(text.contains("stopped: the host removed the segment /dev/shm/reattach-unit (re-attached 2 times " +
            "after the host restarted)"), text);
    }

    @Test
    @Timeout(30)
    void aHostThatRestartedButDidNotComeBackWithinTheTimeoutIsExit3() throws Exception
    {
        final List<StoppedSession> opened = new ArrayList<>();
        final StringWriter out = new StringWriter();
        final SegmentNotFoundException gone = new SegmentNotFoundException("/dev/shm/reattach-gone",
            "no such file (has the channel's host started?)");
        final SegmentNotFoundException thrown = assertThrows(SegmentNotFoundException.class, () ->
            command("reattach-gone").serve(sessions(opened, new StoppedSession(true, null, "restarted"), gone),
                guard(), "settings", new PrintWriter(out)));
        assertEquals(gone, thrown);
        assertTrue(opened.get(0).closed);
        assertTrue(out.toString().contains("stopped: the host restarted, and attaching to its channel failed: "),
            out.toString());

        // as the command reports it: one line, exit 3
        final CliRun run =
            CliRun.of("guest", "reattach-gone-test-" + ProcessHandle.current().pid(), "--timeout", "100ms");
        assertEquals(ExitCodes.NOT_FOUND, run.code(), run::toString);
    }

    @Test
    @Timeout(30)
    void aFailedReaderIsExit5ForACorruptQueue4ForATruncatedSegment1Otherwise() throws Exception
    {
        final Object[][] cases = {
            {new CorruptQueueException("/dev/shm/x toGuest", 0, "unknown magic 0x12345678"), ExitCodes.CORRUPT_QUEUE},
            {new IllegalStateException("wrapped", new CorruptQueueException("/dev/shm/x toGuest", 8, "bad")),
                ExitCodes.CORRUPT_QUEUE},
            {new SegmentTruncatedException("/dev/shm/x", 100, 8448, null), ExitCodes.INVALID_SEGMENT},
            {new IllegalArgumentException("something else"), ExitCodes.FAILURE}};
        for (final Object[] c : cases)
        {
            final StringWriter out = new StringWriter();
            final Throwable failure = (Throwable)c[0];
            final CliException ex = assertThrows(CliException.class, () -> command("x").serve(
                sessions(new ArrayList<>(), new StoppedSession(false, failure, null)), guard(), "settings",
                new PrintWriter(out)));
            assertEquals((int)c[1], ex.exitCode(), failure + "\n" + out);
            assertTrue(ex.getMessage().startsWith("channel x: the guest's reader failed: "), ex.getMessage());
            assertTrue(out.toString().contains("stopped: the reader failed: "), out.toString());
            assertEquals(-1, ex.getMessage().indexOf('\n'), ex.getMessage());
        }
    }

    private static int count(final String text, final String part)
    {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1))
        {
            n++;
        }
        return n;
    }
}

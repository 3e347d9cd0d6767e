package io.shmipc.tools;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.channel.ReadMode;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.schemas.IpcMessages;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code inspect} (with {@code --messages} and the channel threads) and {@code watch} against live channels: one
 * driven by a {@code host} in another JVM with no guest (its warm-up requests pile up unread, so the pending count
 * is exact), one by an {@link IpcHost} in this JVM, and one written by a thread of this test.
 */
class LiveChannelTest
{
    private final Channels channels = new Channels();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception
    {
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            resources.get(i).close();
        }
        channels.removeAll();
    }

    private <T extends AutoCloseable> T keep(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    @Test
    @Timeout(90)
    void inspectOfAChannelDrivenByAnotherJvmIsConsistentAndCountsEveryUnreadRequest() throws Exception
    {
        final String name = channels.newName("inspectlive");
        final Child host = keep(Child.cli("host", name, "--hand-off", "--capacity", "64KiB", "--idle", "backoff",
            "--wait-guest", "60s"));
        Channels.awaitSegment(name, 60);
        // The host sends a warm-up MyRandRequest each second until a guest answers; none will.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        CliRun run;
        do
        {
            Thread.sleep(200);
            run = CliRun.of("inspect", "--json", "--messages", "100", name);
            assertTrue(System.nanoTime() - deadline < 0, run::toString);
        }
        while (ExitCodes.OK != run.code() ||
            JsonTree.objects(JsonTree.named(JsonTree.parse(run.out()), "queues", "toGuest"), "messages").size() < 2);
        final String doc = run.out();
        final Map<String, Object> root = JsonTree.parse(doc);
        final Map<String, Object> toGuest = JsonTree.named(root, "queues", "toGuest");
        assertEquals(65536, JsonTree.integer(toGuest, "capacity"), doc);
        final long writePos = JsonTree.integer(toGuest, "writePos");
        final long readPos = JsonTree.integer(toGuest, "readPos");
        final long pending = JsonTree.integer(toGuest, "pendingMessages");
        assertEquals(0, readPos, "no guest has read anything: " + doc);
        assertTrue(readPos <= writePos, doc);
        assertEquals(writePos - readPos, JsonTree.integer(toGuest, "usedBytes"), doc);
        // Every request the host wrote is pending, req_id 1..pending in order, each decoded.
        final List<Map<String, Object>> messages = JsonTree.objects(toGuest, "messages");
        assertEquals(pending, messages.size(), doc);
        long expected = 1;
        for (final Map<String, Object> message : messages)
        {
            final Map<String, Object> decoded = JsonTree.parse(JsonTree.string(message, "decoded"));
            assertEquals(expected++, JsonTree.integer(decoded, "req_id"), doc);
            assertEquals("MyRandRequest", decoded.get("payload_type"), doc);
            JsonTree.assertNullField(message, "hex");
        }
        assertTrue(pending >= 2, doc);
        final Map<String, Object> hostMapper = JsonTree.objects(root, "mappedBy").stream()
            .filter(m -> host.pid() == JsonTree.integer(m, "pid")).findFirst()
            .orElseThrow(() -> new AssertionError("host pid " + host.pid() + " maps the segment: " + doc));
        JsonTree.string(hostMapper, "command");
        final List<Map<String, Object>> threads = JsonTree.objects(hostMapper, "threads");
        assertFalse(threads.isEmpty(), doc);
        for (final Map<String, Object> thread : threads)
        {
            assertTrue(JsonTree.integer(thread, "tid") > 0, doc);
            assertTrue(JsonTree.string(thread, "name").startsWith("shmipc-"), doc);
            assertTrue(JsonTree.string(thread, "cpusAllowed").matches("[0-9,-]+"), doc);
        }

        final CliRun text = CliRun.of("inspect", name);
        assertEquals(ExitCodes.OK, text.code(), text::toString);
        assertTrue(Pattern.compile("(?m)^           thread \\d+ +shmipc-(writer|reader)-.* cpus [0-9,-]+$")
            .matcher(text.out()).find(), text.out());
    }

    @Test
    @Timeout(60)
    void inspectMessagesDecodesTheRequestsThisTestWrote() throws Exception
    {
        final String name = channels.newName("inspectmsg");
        // A reader and a writer thread (not IpcHost's default caller modes), so the inspector has threads to list.
        final IpcHost host = keep(IpcHost.start(ChannelConfig.builder(name).capacity(64 * 1024)
            .readerIdle("backoff").writerIdle("backoff").readMode(ReadMode.READER_THREAD)
            .writeMode(WriteMode.WRITER_THREAD).callTimeout(Duration.ofSeconds(30)).build(), IpcMessages::reqId));
        for (int i = 1; i <= 5; i++)
        {
            final double x = i;
            host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, x, 2 * x));
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        CliRun run;
        do
        {
            run = CliRun.of("inspect", "--messages", "3", name);
            assertTrue(System.nanoTime() - deadline < 0, run::toString);
        }
        while (!run.out().contains("pendingMessages    5 "));
        final String out = run.out();
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(out.contains("bytes: {\"req_id\":1,\"payload_type\":\"AddRequest\"," +
            "\"payload\":{\"x\":1.0,\"y\":2.0}}"), out);
        assertTrue(out.contains("bytes: {\"req_id\":2,\"payload_type\":\"AddRequest\"," +
            "\"payload\":{\"x\":2.0,\"y\":4.0}}"), out);
        assertTrue(out.contains("bytes: {\"req_id\":3,\"payload_type\":\"AddRequest\"," +
            "\"payload\":{\"x\":3.0,\"y\":6.0}}"), out);
        assertTrue(!out.contains("\"req_id\":4"), "only 3 messages asked for:\n" + out);
        final long self = ProcessHandle.current().pid();
        assertTrue(Pattern.compile("(?m)^  " + self + " .*\\n(           thread .*\\n)*" +
            "           thread \\d+ +shmipc-(writer|reader)-").matcher(out).find(),
            "this JVM's channel threads are listed:\n" + out);
    }

    @Test
    @Timeout(60)
    void inspectMessagesDumpsBytesThatAreNotAMessage() throws Exception
    {
        final String name = channels.newName("inspecthex");
        final SharedSegment segment = keep(SharedSegment.createNamed(name, 4096, SegmentLayout.SIMPLE_IPC,
            SharedSegment.DEFAULT_PERMISSIONS));
        write(segment.simpleIpcRing(QueueId.FROM_GUEST), ByteBuffer.wrap("hello, not flatbuffers".getBytes()));
        final CliRun run = CliRun.of("inspect", "--messages", "5", name);
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(run.out().contains("message 1          at 0, 22 bytes: not an ipc.Message, hex:"), run.out());
        assertTrue(run.out().contains("    0000  68 65 6c 6c 6f 2c 20 6e 6f 74 20 66 6c 61 74 62  |hello, not flatb|"),
            run.out());
        final CliRun json = CliRun.of("inspect", "--json", "--messages", "5", name);
        final List<Map<String, Object>> messages =
            JsonTree.objects(JsonTree.named(JsonTree.parse(json.out()), "queues", "fromGuest"), "messages");
        assertEquals(1, messages.size(), json.out());
        assertEquals(0, JsonTree.integer(messages.get(0), "position"), json.out());
        assertEquals(22, JsonTree.integer(messages.get(0), "length"), json.out());
        JsonTree.assertNullField(messages.get(0), "decoded");
        assertEquals("68656c6c6f2c206e6f7420666c617462756666657273", messages.get(0).get("hex"), json.out());
        final CliRun bad = CliRun.of("inspect", "--messages", "-1", name);
        assertEquals(ExitCodes.USAGE, bad.code(), bad::toString);
        assertEquals(1, bad.errLines().size(), bad::toString);
    }

    @Test
    @Timeout(60)
    void watchShowsRatesAndFlagsAQueueWithPendingDataAndNoReader() throws Exception
    {
        final String name = channels.newName("watch");
        final SharedSegment segment = keep(SharedSegment.createNamed(name, 64 * 1024, SegmentLayout.SIMPLE_IPC,
            SharedSegment.DEFAULT_PERMISSIONS));
        final SimpleIpcRingBuffer toGuest = segment.simpleIpcRing(QueueId.TO_GUEST);
        final SimpleIpcRingBuffer fromGuest = segment.simpleIpcRing(QueueId.FROM_GUEST);
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread writer = new Thread(() ->
        {
            final FlatBufferBuilder builder = new FlatBufferBuilder(128);
            long id = 0;
            while (running.get())
            {
                id++;
                if (id <= 200) // toGuest: written, never read
                {
                    write(toGuest, IpcMessages.encodeAddRequest(builder, id, id, id));
                }
                write(fromGuest, IpcMessages.encodeAddResponse(builder, id, 2.0 * id)); // fromGuest: written and read
                if (id % 2 == 0)
                {
                    fromGuest.read((type, buffer, index, length) -> { }, 1);
                }
                if (id % 50 == 0)
                {
                    fromGuest.read((type, buffer, index, length) -> { }, 100);
                }
                try
                {
                    Thread.sleep(2);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }, "watch-test-writer");
        writer.start();
        keep(() ->
        {
            running.set(false);
            writer.join(5000);
        });

        final CliRun run = CliRun.of("watch", name, "--interval", "400ms", "--stall", "300ms", "--count", "2");
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        final String out = run.out();
        assertEquals(2, out.lines().filter(l -> l.startsWith("watch ")).count(), out);
        assertTrue(Pattern.compile("(?m)^STALLED toGuest: \\d+ messages \\(\\d+ bytes\\) pending, readPos 0 has not " +
            "moved for 0\\.[3-9] s$|(?m)^STALLED toGuest: .* for [1-9]").matcher(out).find(), out);
        assertTrue(!out.contains("STALLED fromGuest"), out);
        final String second = out.substring(out.lastIndexOf("watch "));
        final Matcher fromGuestLine = Pattern.compile("(?m)^fromGuest +\\d+ +\\d+ +\\d+ +\\d+ +[0-9.]+% +([0-9,-]+) +" +
            "([0-9.-]+) +([0-9,-]+) +([0-9.-]+)$").matcher(second);
        assertTrue(fromGuestLine.find(), second);
        assertTrue(Double.parseDouble(fromGuestLine.group(4)) > 0, "fromGuest is read: " + second);
        assertTrue(Double.parseDouble(fromGuestLine.group(2)) > 0, "fromGuest is written: " + second);

        final CliRun json =
            CliRun.of("watch", "--json", name, "--interval", "300ms", "--stall", "200ms", "--count", "2");
        assertEquals(ExitCodes.OK, json.code(), json::toString);
        final List<String> lines = json.out().lines().toList();
        assertEquals(2, lines.size(), json.out());
        final Map<String, Object> first = JsonTree.parse(lines.get(0));
        final Map<String, Object> secondJson = JsonTree.parse(lines.get(1));
        assertEquals(1, JsonTree.integer(first, "refresh"), lines.get(0));
        assertEquals(2, JsonTree.integer(secondJson, "refresh"), lines.get(1));
        for (final String rate : new String[]{"writeBytesPerSec", "readBytesPerSec", "writeMessagesPerSec",
            "readMessagesPerSec"})
        {
            JsonTree.assertNullField(JsonTree.named(first, "queues", "toGuest"), rate);
        }
        assertEquals(true, JsonTree.named(secondJson, "queues", "toGuest").get("stalled"), lines.get(1));
        final Map<String, Object> fromGuestJson = JsonTree.named(secondJson, "queues", "fromGuest");
        assertTrue(JsonTree.number(fromGuestJson, "readBytesPerSec") > 0, lines.get(1));
        assertEquals(false, fromGuestJson.get("stalled"), lines.get(1));
    }

    @Test
    void watchOfAMissingOrBadTargetIsOneLineWithItsExitCode() throws Exception
    {
        final String name = channels.newName("watchmissing");
        checkError(CliRun.of("watch", name, "--count", "1"), ExitCodes.NOT_FOUND, name);
        checkError(CliRun.of("watch", "/tmp", "--count", "1"), ExitCodes.INVALID_SEGMENT, "/tmp");
        checkError(CliRun.of("watch", name, "--interval", "often"), ExitCodes.USAGE, "often");
        checkError(CliRun.of("watch", "bad..name-test"), ExitCodes.USAGE, "bad..name-test");
    }

    static void checkError(final CliRun run, final int code, final String mentioned)
    {
        assertEquals(code, run.code(), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().contains(mentioned), run::toString);
        assertTrue(!run.err().contains("\tat "), run::toString);
    }

    private static void write(final SimpleIpcRingBuffer ring, final ByteBuffer message)
    {
        final UnsafeBuffer src = new UnsafeBuffer(message, message.position(), message.remaining());
        ring.write(SimpleIpcRingBuffer.MSG_TYPE_ID, src, 0, src.capacity());
    }
}

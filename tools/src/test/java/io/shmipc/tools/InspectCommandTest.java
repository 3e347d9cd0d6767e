package io.shmipc.tools;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;
import io.shmipc.schemas.IpcMessages;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest
{
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final int CAPACITY = 4096;

    private final List<String> channels = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @TempDir
    Path tempDir;

    @AfterEach
    void cleanUp() throws Exception
    {
        for (final AutoCloseable closeable : closeables)
        {
            closeable.close();
        }
        for (final String name : channels)
        {
            Files.deleteIfExists(SharedSegment.shmPath(name));
            NamedSignals.unlink(NamedSignals.requestSignalName(name));
            NamedSignals.unlink(NamedSignals.responseSignalName(name));
        }
    }

    @Test
    void reportsConsistentNumbersForAFilledSegmentInTextAndJson() throws IOException
    {
        final String name = newChannelName();
        final NamedSignal request = NamedSignals.create(NamedSignals.requestSignalName(name), 0600);
        final NamedSignal response = NamedSignals.create(NamedSignals.responseSignalName(name), 0600);
        closeables.add(request);
        closeables.add(response);
        request.post();
        request.post();
        final SharedSegment segment = SharedSegment.createNamed(name, CAPACITY, SegmentLayout.SIMPLE_IPC,
            SharedSegment.DEFAULT_PERMISSIONS);
        closeables.add(segment);
        final SimpleIpcRingBuffer toGuest = segment.simpleIpcRing(QueueId.TO_GUEST);
        final SimpleIpcRingBuffer fromGuest = segment.simpleIpcRing(QueueId.FROM_GUEST);

        // 100 requests through toGuest, so it wraps (with padding) several times; 3 left unread.
        final FlatBufferBuilder builder = new FlatBufferBuilder(128);
        int unread = 0;
        for (int i = 1; i <= 100; i++)
        {
            write(toGuest, IpcMessages.encodeAddRequest(builder, i, i, 2.0 * i));
            unread++;
            if (i <= 97)
            {
                assertEquals(1, toGuest.read((type, buffer, index, length) -> { }, 1));
                unread--;
            }
        }
        assertEquals(3, unread);
        for (int i = 1; i <= 5; i++)
        {
            write(fromGuest, IpcMessages.encodeAddResponse(builder, i, 3.0 * i));
        }
        toGuest.awake();

        final CliRun text = CliRun.of("inspect", name);
        assertEquals(ExitCodes.OK, text.code(), text::toString);
        final String out = text.out();
        final String toGuestSection = out.substring(out.indexOf("queue toGuest"), out.indexOf("queue fromGuest"));
        final String fromGuestSection = out.substring(out.indexOf("queue fromGuest"), out.indexOf("signals"));
        checkText(toGuestSection, toGuest, 3);
        checkText(fromGuestSection, fromGuest, 5);
        assertTrue(Pattern.compile("readerState +1 awake").matcher(toGuestSection).find(), toGuestSection);
        assertTrue(toGuestSection.contains("(data)"), toGuestSection);
        assertTrue(out.contains("mode 0600"), out);
        assertTrue(Pattern.compile(name + "_REQ\\s+value 2, waiters 0").matcher(out).find(), out);
        assertTrue(Pattern.compile(name + "_RESP\\s+value 0, waiters 0").matcher(out).find(), out);
        assertTrue(out.contains("\n  " + ProcessHandle.current().pid() + " "), "this JVM maps the segment:\n" + out);

        final CliRun json = CliRun.of("inspect", "--json", SharedSegment.shmPath(name).toString());
        assertEquals(ExitCodes.OK, json.code(), json::toString);
        assertEquals(1, json.out().lines().count(), json.out());
        final Map<String, Object> doc = JsonTree.parse(json.out());
        assertEquals(List.of("layout", "file", "queues", "signals", "mappedBy"), new ArrayList<>(doc.keySet()));
        assertEquals("simpleipc-v1", doc.get("layout"));
        final Map<String, Object> file = JsonTree.object(doc, "file");
        assertEquals(SharedSegment.shmPath(name).toString(), file.get("path"));
        assertEquals(Files.size(SharedSegment.shmPath(name)), JsonTree.integer(file, "size"));
        assertEquals("0600", file.get("mode"));
        assertEquals(List.of("toGuest", "fromGuest"),
            JsonTree.objects(doc, "queues").stream().map(q -> q.get("name")).toList());
        checkJson(JsonTree.named(doc, "queues", "toGuest"), toGuest, 3);
        checkJson(JsonTree.named(doc, "queues", "fromGuest"), fromGuest, 5);
        final Map<String, Object> requestSignal = JsonTree.named(doc, "signals", name + "_REQ");
        assertEquals("/dev/shm/sem." + name + "_REQ", requestSignal.get("path"));
        assertEquals(true, requestSignal.get("exists"));
        assertEquals(2, JsonTree.integer(requestSignal, "value"));
        assertEquals(0, JsonTree.integer(requestSignal, "waiters"));
        assertEquals(0, JsonTree.integer(JsonTree.named(doc, "signals", name + "_RESP"), "value"));
        assertTrue(JsonTree.objects(doc, "mappedBy").stream()
            .anyMatch(m -> ProcessHandle.current().pid() == JsonTree.integer(m, "pid")), json.out());
    }

    @Test
    void corruptBlockIsReportedWithItsPositionAndExitCode5()
    {
        final String name = newChannelName();
        final SharedSegment segment = SharedSegment.createNamed(name, CAPACITY, SegmentLayout.SIMPLE_IPC,
            SharedSegment.DEFAULT_PERMISSIONS);
        closeables.add(segment);
        final SimpleIpcRingBuffer toGuest = segment.simpleIpcRing(QueueId.TO_GUEST);
        final FlatBufferBuilder builder = new FlatBufferBuilder(128);
        write(toGuest, IpcMessages.encodeAddRequest(builder, 1, 1, 2));
        write(toGuest, IpcMessages.encodeAddRequest(builder, 2, 1, 2));
        final long second = SimpleIpcDescriptor.blockLength(
            IpcMessages.encodeAddRequest(builder, 1, 1, 2).remaining());
        segment.queueBuffer(QueueId.TO_GUEST).putInt(
            SimpleIpcDescriptor.HEADER_LENGTH + (int)second + SimpleIpcDescriptor.BLOCK_MAGIC_OFFSET, 0x12345678);

        final CliRun run = CliRun.of("inspect", name);
        assertEquals(ExitCodes.CORRUPT_QUEUE, run.code(), run::toString);
        assertEquals(1, number(run.out(), "pendingMessages +(\\d+)"), run.out());
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().contains(": corrupt queue toGuest: at position " + second + ": unknown magic 0x12345678"),
            run::toString);
    }

    @Test
    void missingNameExits3WithOneLine()
    {
        final String name = newChannelName();
        checkUserError(CliRun.of("inspect", name), ExitCodes.NOT_FOUND, "/dev/shm/" + name);
        checkUserError(CliRun.of("inspect", "--json", tempDir.resolve("absent").toString()), ExitCodes.NOT_FOUND,
            "no such file");
    }

    @Test
    void randomBytesFileExits4WithOneLine() throws IOException
    {
        final Path file = tempDir.resolve("random-test.bin");
        final byte[] bytes = new byte[8192];
        new Random(42).nextBytes(bytes);
        Files.write(file, bytes);
        checkUserError(CliRun.of("inspect", file.toString()), ExitCodes.INVALID_SEGMENT, file.toString());
    }

    @Test
    void truncatedSegmentExits4WithOneLine() throws IOException
    {
        final Path file = tempDir.resolve("truncated-test.seg");
        SharedSegment.create(file, CAPACITY, SegmentLayout.SIMPLE_IPC, SharedSegment.DEFAULT_PERMISSIONS).close();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(CAPACITY);
        }
        checkUserError(CliRun.of("inspect", file.toString()), ExitCodes.INVALID_SEGMENT, file.toString());

        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(100);
        }
        checkUserError(CliRun.of("inspect", file.toString()), ExitCodes.INVALID_SEGMENT, "100 bytes");
    }

    @Test
    void directoryExits4WithOneLine()
    {
        checkUserError(CliRun.of("inspect", tempDir.toString()), ExitCodes.INVALID_SEGMENT, "is a directory");
    }

    @Test
    void invalidNameOrOptionIsAUsageError()
    {
        checkUserError(CliRun.of("inspect", "bad..name-test"), ExitCodes.USAGE, "bad..name-test");
        checkUserError(CliRun.of("inspect", "--no-such-option", "x"), ExitCodes.USAGE, "--no-such-option");
        checkUserError(CliRun.of("inspect"), ExitCodes.USAGE, "NAME|PATH");
    }

    private static void checkText(final String section, final SimpleIpcRingBuffer ring, final long pending)
    {
        final long writePos = number(section, "  writePos\\s+(\\d+)");
        final long readPos = number(section, "  readPos\\s+(\\d+)");
        assertEquals(ring.producerPosition(), writePos, section);
        assertEquals(ring.consumerPosition(), readPos, section);
        assertTrue(readPos <= writePos, section);
        assertEquals(writePos - readPos, number(section, "  usedBytes\\s+(\\d+)"), section);
        assertEquals(pending, number(section, "  pendingMessages\\s+(\\d+)"), section);
        assertEquals(CAPACITY, number(section, "  capacity\\s+(\\d+)"), section);
    }

    private static void checkJson(final Map<String, Object> queue, final SimpleIpcRingBuffer ring, final long pending)
    {
        final long writePos = JsonTree.integer(queue, "writePos");
        final long readPos = JsonTree.integer(queue, "readPos");
        assertEquals(CAPACITY, JsonTree.integer(queue, "capacity"), queue::toString);
        assertEquals(ring.producerPosition(), writePos, queue::toString);
        assertEquals(ring.consumerPosition(), readPos, queue::toString);
        assertTrue(readPos <= writePos, queue::toString);
        assertEquals(writePos - readPos, JsonTree.integer(queue, "usedBytes"), queue::toString);
        assertEquals(CAPACITY - (writePos - readPos), JsonTree.integer(queue, "freeBytes"), queue::toString);
        assertEquals(100.0 * (writePos - readPos) / CAPACITY, JsonTree.number(queue, "percentFull"), 0.005,
            queue::toString);
        assertEquals(pending, JsonTree.integer(queue, "pendingMessages"), queue::toString);
        final Map<String, Object> block = JsonTree.object(queue, "blockAtReadPos");
        assertEquals("data", block.get("kind"), queue::toString);
        assertTrue(JsonTree.string(block, "magic").startsWith("0x"), queue::toString);
        assertEquals(true, queue.get("stable"), queue::toString);
        JsonTree.assertNullField(queue, "corruption");
        assertFalse(queue.containsKey("messages"), "messages only with --messages: " + queue);
    }

    private static long number(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " not in\n" + text);
        return Long.parseLong(m.group(1));
    }

    private static void checkUserError(final CliRun run, final int code, final String mentioned)
    {
        assertEquals(code, run.code(), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().contains(mentioned), run::toString);
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run::toString);
        assertEquals("", run.out(), run::toString);
    }

    private static void write(final SimpleIpcRingBuffer ring, final ByteBuffer message)
    {
        final UnsafeBuffer src = new UnsafeBuffer(message, message.position(), message.remaining());
        assertTrue(ring.write(SimpleIpcRingBuffer.MSG_TYPE_ID, src, 0, src.capacity()));
    }

    private String newChannelName()
    {
        final String name = "inspect-test-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        channels.add(name);
        return name;
    }
}

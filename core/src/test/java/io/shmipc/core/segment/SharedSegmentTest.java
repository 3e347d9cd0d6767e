package io.shmipc.core.segment;

import io.shmipc.core.TestSegments;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.shmipc.core.ring.SimpleIpcDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

class SharedSegmentTest
{
    private final List<Path> files = new ArrayList<>();
    private final List<SharedSegment> segments = new ArrayList<>();

    @AfterEach
    void cleanUp()
    {
        segments.forEach(SharedSegment::close);
        files.forEach(TestSegments::delete);
    }

    private Path file()
    {
        final Path file = TestSegments.uniqueFile("segment");
        files.add(file);
        return file;
    }

    private SharedSegment keep(final SharedSegment segment)
    {
        segments.add(segment);
        return segment;
    }

    private static void writeFile(final Path file, final int size, final long capacity0, final long capacity1)
        throws IOException
    {
        final ByteBuffer bytes = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        if (size >= 80)
        {
            bytes.putLong(CAPACITY_OFFSET, capacity0);
        }
        final int second = (int)queueOffset(QueueId.FROM_GUEST, capacity0);
        if (capacity1 >= 0 && second + 80 <= size)
        {
            bytes.putLong(second + CAPACITY_OFFSET, capacity1);
        }
        Files.write(file, bytes.array());
    }

    private static <T extends Throwable> T assertMessage(
        final Class<T> type, final Runnable action, final String... parts)
    {
        final T ex = assertThrows(type, action::run);
        for (final String part : parts)
        {
            assertTrue(ex.getMessage().contains(part), "'" + ex.getMessage() + "' should mention '" + part + "'");
        }
        return ex;
    }

    @Test
    void createsTheSpecLayoutWithMode0600()
        throws IOException
    {
        final Path file = file();
        final SharedSegment segment = keep(TestSegments.create(file, 200));
        assertEquals(2 * (128 + 200), Files.size(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(200, bytes.getLong(72));
        assertEquals(200, bytes.getLong(328 + 72));
        assertEquals(SegmentLayout.SIMPLE_IPC, segment.layout());
        assertEquals(200, segment.capacity());
    }

    @Test
    void segmentCapacityMustKeepTheSecondHeaderAligned()
    {
        assertMessage(
            IllegalArgumentException.class, () -> TestSegments.create(file(), 203), "203", "multiple of 8", "331");
    }

    @Test
    void honoursAGroupMode()
        throws IOException
    {
        final Path file = file();
        keep(SharedSegment.create(file, 1000, SegmentLayout.SIMPLE_IPC, PosixFilePermissions.fromString("rw-rw----")));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void refusesToCreateOverAnExistingFile()
        throws IOException
    {
        final Path file = file();
        Files.write(file, new byte[10]);
        assertMessage(SegmentExistsException.class, () -> TestSegments.create(file, 200), file.toString());
    }

    @Test
    void queuesAreIndependentInOneSegment()
    {
        final Path file = file();
        final SharedSegment segment = keep(TestSegments.create(file, 200));
        final RingBuffer toGuest = segment.ring(QueueId.TO_GUEST);
        final RingBuffer fromGuest = segment.ring(QueueId.FROM_GUEST);
        final UnsafeBuffer src = new UnsafeBuffer(new byte[] {1, 2, 3});
        assertTrue(toGuest.write(1, src, 0, 3));
        assertTrue(fromGuest.write(1, src, 0, 2));
        assertEquals(1, toGuest.read((t, b, i, l) -> assertEquals(3, l)));
        assertEquals(1, fromGuest.read((t, b, i, l) -> assertEquals(2, l)));
        final UnsafeBuffer whole =
            new UnsafeBuffer(segment.queueBuffer(QueueId.TO_GUEST).addressOffset(), segment.length());
        assertEquals(16, whole.getLong(0));
        assertEquals(16, whole.getLong(328));
    }

    @Test
    void oneRingObjectPerQueueSoTheProducersClaimStateIsShared()
    {
        for (final SegmentLayout layout : SegmentLayout.values())
        {
            final SharedSegment segment =
                keep(SharedSegment.create(file(), 1024, layout, SharedSegment.DEFAULT_PERMISSIONS));
            final RingBuffer toGuest = segment.ring(QueueId.TO_GUEST);
            assertSame(toGuest, segment.ring(QueueId.TO_GUEST), layout.label());
            assertNotSame(toGuest, segment.ring(QueueId.FROM_GUEST), layout.label());
            if (layout == SegmentLayout.SIMPLE_IPC)
            {
                assertSame(toGuest, segment.simpleIpcRing(QueueId.TO_GUEST));
            }
            // A claim through one reference is the claim the other sees: a second claim waits for its commit.
            final int index = toGuest.tryClaim(1, 8);
            assertTrue(index > 0, layout.label());
            segment.ring(QueueId.TO_GUEST).commit(index);
            assertEquals(1, toGuest.read((t, b, i, l) -> assertEquals(8, l)), layout.label());
        }
    }

    @Test
    void missingFile()
    {
        final Path file = file();
        assertMessage(SegmentNotFoundException.class, () -> SharedSegment.open(file, false), file.toString());
    }

    @Test
    void missingNameNamesTheShmFile()
    {
        final String name = TestSegments.uniqueName("missing");
        assertMessage(SegmentNotFoundException.class,
            () -> SharedSegment.openNamed(name, true, Duration.ZERO), "/dev/shm/" + name);
    }

    @Test
    void fileShorterThanTheHeader()
        throws IOException
    {
        final Path file = file();
        Files.write(file, new byte[40]);
        assertMessage(
            SegmentTooSmallException.class, () -> SharedSegment.open(file, true), file.toString(), "40 bytes", "128");
    }

    @Test
    void capacityZeroMeansNotInitialised()
        throws IOException
    {
        final Path file = file();
        writeFile(file, 656, 0, 0);
        assertMessage(SegmentNotInitialisedException.class, () -> SharedSegment.open(file, true), file.toString(), "0");
    }

    @Test
    void capacityThatDoesNotMatchTheFileSize()
        throws IOException
    {
        final Path file = file();
        writeFile(file, 1000, 200, 200);
        assertMessage(SegmentSizeMismatchException.class, () -> SharedSegment.open(file, true),
            file.toString(), "capacity 200", "656", "1000");
        final Path shorter = file();
        writeFile(shorter, 600, 200, -1);
        assertMessage(SegmentTooSmallException.class, () -> SharedSegment.open(shorter, true), "656", "600");
    }

    @Test
    void queuesWithDifferentCapacities()
        throws IOException
    {
        final Path file = file();
        writeFile(file, 656, 200, 100);
        assertMessage(SegmentSizeMismatchException.class, () -> SharedSegment.open(file, true), "100", "200");
    }

    @Test
    void absurdCapacity()
        throws IOException
    {
        final Path file = file();
        writeFile(file, 200, 0x7FFF_FFFF_FFFFL, -1);
        assertMessage(SegmentSizeMismatchException.class, () -> SharedSegment.open(file, true), "capacity");
    }

    @Test
    void directoryIsNotASegment()
        throws IOException
    {
        final Path dir = file();
        Files.createDirectory(dir);
        assertMessage(SegmentException.class, () -> SharedSegment.open(dir, true), "directory");
    }

    @Test
    void readOnlySegmentGivesNoRing()
    {
        final Path file = file();
        keep(TestSegments.create(file, 200));
        final SharedSegment readOnly = keep(SharedSegment.open(file, true));
        assertTrue(readOnly.isReadOnly());
        assertEquals(200, readOnly.queueBuffer(QueueId.TO_GUEST).getLong(CAPACITY_OFFSET));
        assertMessage(IllegalStateException.class, () -> readOnly.ring(QueueId.TO_GUEST), "read-only");
    }

    @Test
    void waitsForTheCreatorWithATimeout()
        throws Exception
    {
        final Path file = file();
        final long start = System.nanoTime();
        assertThrows(SegmentNotFoundException.class, () -> SharedSegment.open(file, false, Duration.ofMillis(100)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(100));

        writeFile(file, 656, 0, 0);
        final CompletableFuture<SharedSegment> opened =
            CompletableFuture.supplyAsync(() -> SharedSegment.open(file, false, Duration.ofSeconds(10)));
        Thread.sleep(50);
        assertFalse(opened.isDone(), "capacity still 0: keeps waiting");
        writeFile(file, 656, 200, 200);
        final SharedSegment segment = keep(opened.get(10, TimeUnit.SECONDS));
        assertEquals(200, segment.capacity());
    }

    @Test
    void reinitialiseResetsPositionsSoStaleMessagesAreNeverDelivered()
    {
        final Path file = file();
        final SharedSegment segment = keep(TestSegments.create(file, 200));
        segment.ring(QueueId.TO_GUEST).write(1, new UnsafeBuffer(new byte[8]), 0, 8);
        segment.initialise();
        final RingBuffer ring = segment.ring(QueueId.TO_GUEST);
        assertEquals(0, ring.producerPosition());
        assertEquals(0, ring.read((t, b, i, l) -> fail("stale message delivered")));
    }

    @Test
    void agronaLayoutThroughTheSameApi()
    {
        final Path file = file();
        final SharedSegment created =
            keep(SharedSegment.create(file, 1024, SegmentLayout.AGRONA, SharedSegment.DEFAULT_PERMISSIONS));
        final RingBuffer writer = created.ring(QueueId.FROM_GUEST);
        assertInstanceOf(OneToOneRingBuffer.class, writer);
        assertTrue(writer.write(5, new UnsafeBuffer(new byte[] {9, 8, 7}), 0, 3));

        final SharedSegment opened = keep(SharedSegment.open(file, false));
        assertEquals(SegmentLayout.AGRONA, opened.layout());
        assertEquals(1024, opened.capacity());
        final int[] seen = new int[2];
        assertEquals(1, opened.ring(QueueId.FROM_GUEST).read((t, b, i, l) ->
        {
            seen[0] = t;
            seen[1] = b.getByte(i + 2);
        }));
        assertArrayEquals(new int[] {5, 7}, seen);
        assertEquals(0, opened.ring(QueueId.TO_GUEST).size());
        assertThrows(IllegalStateException.class, () -> opened.simpleIpcRing(QueueId.TO_GUEST));
        assertMessage(IllegalArgumentException.class,
            () -> SharedSegment.create(file(), 1000, SegmentLayout.AGRONA, SharedSegment.DEFAULT_PERMISSIONS),
            "1000", "power of two");
    }

    @Test
    void channelNamesAreCheckedBeforeTouchingTheFileSystem()
    {
        assertMessage(IllegalArgumentException.class, () -> SharedSegment.shmPath("a/b"), "'/'");
        assertMessage(IllegalArgumentException.class, () -> SharedSegment.shmPath(".."), "..");
        assertMessage(IllegalArgumentException.class, () -> SharedSegment.shmPath(""), "empty");
        final int tooLong = ChannelNames.MAX_LENGTH + 1;
        assertMessage(IllegalArgumentException.class, () -> SharedSegment.shmPath("x".repeat(tooLong)),
            Integer.toString(tooLong), Integer.toString(ChannelNames.MAX_LENGTH));
        assertMessage(IllegalArgumentException.class, () -> SharedSegment.shmPath("a\nb"), "control");
        assertEquals(Path.of("/dev/shm/SimpleIPC"), SharedSegment.shmPath("SimpleIPC"));
    }

    @Test
    void theLongestChannelNameHasSignalsThatCanBeCreated()
    {
        // a name of MAX_LENGTH bytes, unique to this run: its _REQ and _RESP semaphores are real files in /dev/shm
        final String unique = "t" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-";
        final String name = ChannelNames.check(unique + "n".repeat(ChannelNames.MAX_LENGTH - unique.length()));
        for (final String signal : new String[]{NamedSignals.requestSignalName(name),
            NamedSignals.responseSignalName(name)})
        {
            try (NamedSignal created = NamedSignals.create(signal, NamedSignals.SPEC_MODE))
            {
                assertTrue(NamedSignals.exists(signal), signal);
            }
            finally
            {
                NamedSignals.unlink(signal);
            }
            assertFalse(NamedSignals.exists(signal), "removed: " + signal);
        }
    }
}

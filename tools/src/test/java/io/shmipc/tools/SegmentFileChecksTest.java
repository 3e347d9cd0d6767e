package io.shmipc.tools;

import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.QueueWalker;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the inspector does with files that are not (or no longer) segments it can read: FIFOs, sockets and devices
 * (issue 10, defect 9), segments truncated while mapped (defect 8), positions near 2^63 (defect 11) and random
 * header values: always one line on stderr with a documented exit code, never a hang or a stack trace.
 */
class SegmentFileChecksTest
{
    private static final int CAPACITY = 4096;
    private static final Set<Integer> DOCUMENTED = Set.of(ExitCodes.OK, ExitCodes.NOT_FOUND,
        ExitCodes.INVALID_SEGMENT, ExitCodes.CORRUPT_QUEUE);

    @TempDir
    Path tempDir;

    @AfterEach
    void resetHook()
    {
        SegmentFiles.mappedHookForTests = null;
    }

    @Test
    @Timeout(60)
    void inspectAndWatchOfAFifoAreRefusedAtOnce() throws Exception
    {
        final Path fifo = tempDir.resolve("fifo");
        try (Child mkfifo = Child.exec("mkfifo", fifo.toString()))
        {
            assertEquals(0, mkfifo.waitFor(10), mkfifo.output());
        }
        for (final String[] args : new String[][] {
            {"inspect", fifo.toString()}, {"inspect", "--json", fifo.toString()},
            {"watch", fifo.toString(), "--count", "1"}})
        {
            final CliRun run = runUnblockingFifo(fifo, args);
            checkUserError(run, ExitCodes.INVALID_SEGMENT, fifo + ": is a FIFO (named pipe), not a segment file");
        }
    }

    @Test
    @Timeout(60)
    void socketsAndDevicesAreRefusedWithTheirType() throws Exception
    {
        final Path socket = tempDir.resolve("socket");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            server.bind(UnixDomainSocketAddress.of(socket));
            checkUserError(CliRun.of("inspect", socket.toString()), ExitCodes.INVALID_SEGMENT,
                socket + ": is a socket, not a segment file");
            checkUserError(CliRun.of("watch", socket.toString(), "--count", "1"), ExitCodes.INVALID_SEGMENT,
                "is a socket");
        }
        checkUserError(CliRun.of("inspect", "/dev/null"), ExitCodes.INVALID_SEGMENT,
            "/dev/null: is a character device, not a segment file");
        checkUserError(CliRun.of("watch", "/dev/zero", "--count", "1"), ExitCodes.INVALID_SEGMENT,
            "/dev/zero: is a character device");
    }

    @Test
    @Timeout(60)
    void inspectOfASegmentTruncatedWhileMappedSaysSoInOneLine() throws Exception
    {
        final Path file = newSegment("inspect-truncated.seg");
        final long length = Files.size(file);
        SegmentFiles.mappedHookForTests = SegmentFileChecksTest::truncateTo100;
        checkUserError(CliRun.of("inspect", file.toString()), ExitCodes.INVALID_SEGMENT,
            file + ": truncated to 100 bytes while it was read (the segment is " + length + " bytes)");
        SegmentFiles.mappedHookForTests = null;

        // and when it is already short: the open says so
        checkUserError(CliRun.of("inspect", "--json", file.toString()), ExitCodes.INVALID_SEGMENT, "100 bytes");

        // again with the walk compiled: there the JVM delivers the fault late, anywhere in the thread (once it was
        // inside the cleaner that unmaps, which exits the JVM); it must still be one line, and this JVM must live
        final Path warm = newSegment("inspect-warm.seg");
        try (SharedSegment segment = SharedSegment.open(warm, true))
        {
            for (int i = 0; i < 30_000; i++)
            {
                QueueSnapshot.take(QueueId.TO_GUEST, segment.queueWalker(QueueId.TO_GUEST));
            }
        }
        SegmentFiles.mappedHookForTests = SegmentFileChecksTest::truncateTo100;
        for (int i = 0; i < 30; i++)
        {
            final Path again = newSegment("inspect-truncated-" + i + ".seg");
            checkUserError(CliRun.of("inspect", again.toString()), ExitCodes.INVALID_SEGMENT,
                again + ": truncated to 100 bytes while it was read");
        }
    }

    @Test
    @Timeout(60)
    void watchOfASegmentTruncatedBetweenOrDuringRefreshesSaysSoInOneLine() throws Exception
    {
        // during a refresh: the mapping faults (java.lang.InternalError), caught at the command
        final Path file = newSegment("watch-fault.seg");
        final AtomicInteger refreshes = new AtomicInteger();
        SegmentFiles.mappedHookForTests = f ->
        {
            if (2 == refreshes.incrementAndGet())
            {
                truncateTo100(f);
            }
        };
        final CliRun during = CliRun.of("watch", file.toString(), "--interval", "10ms", "--count", "5");
        SegmentFiles.mappedHookForTests = null;
        assertEquals(ExitCodes.INVALID_SEGMENT, during.code(), during::toString);
        assertEquals(1, during.errLines().size(), during::toString);
        assertTrue(during.err().contains(file + ": truncated to 100 bytes"), during::toString);
        assertFalse(during.err().contains("InternalError") || during.err().contains("\tat "), during::toString);

        // between refreshes: the size check before each refresh finds it, without touching the mapping
        final Path other = newSegment("watch-between.seg");
        final CountDownLatch firstRefresh = new CountDownLatch(1);
        SegmentFiles.mappedHookForTests = f -> firstRefresh.countDown();
        final CompletableFuture<CliRun> watch = CompletableFuture.supplyAsync(
            () -> CliRun.of("watch", other.toString(), "--interval", "1s", "--count", "20"));
        assertTrue(firstRefresh.await(20, TimeUnit.SECONDS));
        Thread.sleep(300); // refresh 1 reads the mapping (well under 1 ms) and the next is 1 s later
        truncateTo100(other);
        final CliRun between = watch.get(30, TimeUnit.SECONDS);
        assertEquals(ExitCodes.INVALID_SEGMENT, between.code(), between::toString);
        assertEquals(1, between.errLines().size(), between::toString);
        assertTrue(between.err().contains(other + ": truncated to 100 bytes while watching (the segment is " +
            (CAPACITY + SimpleIpcDescriptor.HEADER_LENGTH) * 2 + " bytes)"), between::toString);
        assertFalse(between.err().contains("\tat "), between::toString);
    }

    @Test
    @Timeout(60)
    void listSkipsASegmentTruncatedWhileItIsRead() throws Exception
    {
        final String name = "list-truncated-test-" + ProcessHandle.current().pid();
        final Path file = SharedSegment.shmPath(name);
        try
        {
            SharedSegment.create(file, CAPACITY, SegmentLayout.SIMPLE_IPC, SharedSegment.DEFAULT_PERMISSIONS).close();
            SegmentFiles.mappedHookForTests = f ->
            {
                if (f.equals(file))
                {
                    truncateTo100(f);
                }
            };
            final CliRun run = CliRun.of("list");
            assertEquals(ExitCodes.OK, run.code(), run::toString);
            assertEquals("", run.err(), run::toString);
            assertFalse(run.out().contains(name), run::toString);
        }
        finally
        {
            SegmentFiles.mappedHookForTests = null;
            Files.deleteIfExists(file);
        }
    }

    @Test
    @Timeout(60)
    void positionsNear2To63AreACorruptQueueNotAStackTrace() throws Exception
    {
        // capacity 13784 (a multiple of 8): 2^63-1 lies 7 bytes into the last 64, where a padding block sits; the old
        // walk added the block's 64 bytes to readPos, wrapped past 2^63 to a negative position and read at a negative
        // data offset (IndexOutOfBoundsException)
        final int capacity = 13784;
        final Path file = tempDir.resolve("near-2-63.seg");
        SharedSegment.create(file, capacity, SegmentLayout.SIMPLE_IPC, SharedSegment.DEFAULT_PERMISSIONS).close();
        final long writePos = Long.MAX_VALUE;
        final int paddingOffset = capacity - 64;
        long readPos = writePos - Math.floorMod(writePos, capacity) + paddingOffset; // on the padding block
        if (readPos > writePos)
        {
            readPos -= capacity;
        }
        final long read = readPos;
        try (SharedSegment segment = SharedSegment.open(file, false))
        {
            final AtomicBuffer queue = segment.queueBuffer(QueueId.TO_GUEST);
            queue.putInt(SimpleIpcDescriptor.HEADER_LENGTH + paddingOffset,
                64 - SimpleIpcDescriptor.BLOCK_HEADER_LENGTH);
            queue.putInt(SimpleIpcDescriptor.HEADER_LENGTH + paddingOffset + SimpleIpcDescriptor.BLOCK_MAGIC_OFFSET,
                SimpleIpcDescriptor.MAGIC_PADDING);
            queue.putLongVolatile(SimpleIpcDescriptor.WRITE_POS_OFFSET, writePos);
            queue.putLongVolatile(SimpleIpcDescriptor.READ_POS_OFFSET, read);
        }
        final CliRun run = CliRun.of("inspect", file.toString());
        assertEquals(ExitCodes.CORRUPT_QUEUE, run.code(), run::toString);
        assertTrue(run.out().contains("  CORRUPT "), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().contains(file + ": corrupt queue toGuest: ") &&
            run.err().contains(Long.toString(writePos)), run::toString);
        assertFalse(run.err().contains("\tat ") || run.out().contains("\tat "), run::toString);

        // the walk itself, below the 2^62 bound the layout accepts: it must stop at the padding block that runs
        // past writePos, never wrap the position into a negative offset
        final QueueSnapshot walk = walkNear(capacity, (1L << 62) - 1 - Math.floorMod(1L << 62, capacity));
        assertTrue(null != walk.corruption() && walk.corruption().contains(
            "padding block of 56 bytes does not fill the 64 bytes to the end of the data area within writePos"),
            walk::toString);
        assertEquals(63, walk.usedBytes(), walk::toString);
    }

    @Test
    @Timeout(170)
    void randomHeaderAndPositionValuesNeverGiveAStackTrace() throws Exception
    {
        final long seed = Long.getLong("shmipc.fuzz.seed", 20261201L);
        final int rounds = Integer.getInteger("shmipc.fuzz.rounds", 300);
        final Random random = new Random(seed);
        final long[] interesting = {0, 1, 7, 8, 56, 64, 4088, 4096, 4097, 8192, Integer.MAX_VALUE, 0xFFFFFFFFL,
            (1L << 62) - 8, 1L << 62, (1L << 62) + 8, Long.MAX_VALUE, Long.MAX_VALUE - 63, Long.MIN_VALUE, -1, -8};
        final int[] magics = {SimpleIpcDescriptor.MAGIC_DATA, SimpleIpcDescriptor.MAGIC_PADDING,
            SimpleIpcDescriptor.MAGIC_DATA | SimpleIpcDescriptor.MAGIC_CONSUMED_FLAG,
            SimpleIpcDescriptor.MAGIC_PADDING | SimpleIpcDescriptor.MAGIC_CONSUMED_FLAG, 0, -1, 0x12345678};
        for (int round = 0; round < rounds; round++)
        {
            final boolean agrona = random.nextInt(4) == 0;
            final int capacity = agrona ? 4096 : (random.nextBoolean() ? 4096 : 4000);
            final Path file = tempDir.resolve("fuzz-" + round + ".seg");
            SharedSegment.create(file, capacity, agrona ? SegmentLayout.AGRONA : SegmentLayout.SIMPLE_IPC,
                SharedSegment.DEFAULT_PERMISSIONS).close();
            final long fileLength = Files.size(file);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
            {
                final int mutations = 1 + random.nextInt(6);
                for (int m = 0; m < mutations; m++)
                {
                    final long offset;
                    final int where = random.nextInt(10);
                    if (where < 5)
                    {
                        // a queue header field (either queue; for Agrona, the trailers hold the positions)
                        final long queueStart = random.nextBoolean() ? 0 : fileLength / 2;
                        offset = agrona ? queueStart + capacity + 8L * random.nextInt(16) :
                            queueStart + 8L * random.nextInt(SimpleIpcDescriptor.HEADER_LENGTH / 8);
                    }
                    else
                    {
                        offset = 8L * random.nextInt((int)(fileLength / 8));
                    }
                    raf.seek(offset);
                    if (random.nextBoolean())
                    {
                        raf.writeLong(Long.reverseBytes(random.nextBoolean() ?
                            interesting[random.nextInt(interesting.length)] : random.nextLong()));
                    }
                    else
                    {
                        // a block header: size, magic
                        raf.writeInt(Integer.reverseBytes((int)interesting[random.nextInt(interesting.length)] +
                            random.nextInt(3) * 8));
                        raf.writeInt(Integer.reverseBytes(magics[random.nextInt(magics.length)]));
                    }
                }
                if (random.nextInt(10) == 0)
                {
                    raf.setLength(random.nextInt((int)fileLength));
                }
            }
            final List<String[]> commands = List.of(new String[] {"inspect", file.toString()},
                new String[] {"inspect", "--json", "--messages", "3", file.toString()},
                new String[] {"watch", file.toString(), "--count", "1"});
            for (final String[] args : commands)
            {
                final CliRun run = CliRun.of(args);
                final String context = "seed " + seed + " round " + round + " " + String.join(" ", args) + "\n" + run;
                assertTrue(DOCUMENTED.contains(run.code()), context);
                assertFalse(run.err().contains("\tat ") || run.out().contains("\tat "), context);
                assertEquals(ExitCodes.OK == run.code() ? 0 : 1, run.errLines().size(), context);
            }
        }
    }

    private static QueueSnapshot walkNear(final int capacity, final long writePos)
    {
        final UnsafeBuffer queue = new UnsafeBuffer(new byte[SimpleIpcDescriptor.HEADER_LENGTH + capacity]);
        final int paddingOffset = capacity - 64;
        long readPos = writePos - Math.floorMod(writePos, capacity) + paddingOffset;
        if (readPos > writePos)
        {
            readPos -= capacity;
        }
        queue.putInt(SimpleIpcDescriptor.HEADER_LENGTH + paddingOffset, 64 - SimpleIpcDescriptor.BLOCK_HEADER_LENGTH);
        queue.putInt(SimpleIpcDescriptor.HEADER_LENGTH + paddingOffset + SimpleIpcDescriptor.BLOCK_MAGIC_OFFSET,
            SimpleIpcDescriptor.MAGIC_PADDING);
        queue.putLong(SimpleIpcDescriptor.WRITE_POS_OFFSET, writePos);
        queue.putLong(SimpleIpcDescriptor.READ_POS_OFFSET, readPos);
        queue.putLong(SimpleIpcDescriptor.CAPACITY_OFFSET, capacity);
        return QueueSnapshot.take(QueueId.TO_GUEST, QueueWalker.of(SegmentLayout.SIMPLE_IPC, queue, "toGuest"));
    }

    private Path newSegment(final String fileName)
    {
        final Path file = tempDir.resolve(fileName);
        SharedSegment.create(file, CAPACITY, SegmentLayout.SIMPLE_IPC, SharedSegment.DEFAULT_PERMISSIONS).close();
        return file;
    }

    private static void truncateTo100(final Path file)
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(100);
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }

    /**
     * Runs a command that may block opening the FIFO (the defect): if it has not finished in 10 s, a writer opens
     * the FIFO so the command's open returns, and the test fails.
     */
    private static CliRun runUnblockingFifo(final Path fifo, final String... args) throws Exception
    {
        final CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of(args));
        try
        {
            return run.get(10, TimeUnit.SECONDS);
        }
        catch (final TimeoutException ex)
        {
            try (RandomAccessFile writer = new RandomAccessFile(fifo.toFile(), "rw"))
            {
                run.get(10, TimeUnit.SECONDS);
            }
            throw new AssertionError("shmipc " + String.join(" ", args) + " hung on the FIFO for 10 s");
        }
    }

    private static void checkUserError(final CliRun run, final int code, final String mentioned)
    {
        assertEquals(code, run.code(), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().contains(mentioned), run::toString);
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run::toString);
        assertEquals("", run.out(), run::toString);
    }

    static Path shm(final String name)
    {
        return Paths.get("/dev/shm", name);
    }
}

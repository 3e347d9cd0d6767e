package io.shmipc.core.segment;

import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A channel's shared-memory segment, mapped into this process: the two queues of one channel in either
 * {@link SegmentLayout}. On Linux it is a file, by default the POSIX shared-memory file {@code /dev/shm/NAME} that
 * {@code shm_open("/NAME")} names, but any path works (hugetlbfs, a regular file). On Windows a name maps to the
 * pagefile-backed mapping {@code Local\NAME}.
 * <p>
 * Opening validates the file before it hands out a ring and never writes to it. {@link #close()} unmaps: every ring
 * obtained from the segment must be out of use by then, since touching unmapped memory crashes the JVM.
 * Instances are safe to share between threads; the rings they return follow their own threading rules.
 */
public final class SharedSegment implements AutoCloseable
{
    /** Directory where glibc's {@code shm_open} keeps POSIX shared memory. */
    public static final Path SHM_DIRECTORY = Paths.get("/dev/shm");

    /** Permissions of new segments unless told otherwise: owner read-write only. */
    public static final Set<PosixFilePermission> DEFAULT_PERMISSIONS = PosixFilePermissions.fromString("rw-------");

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final String description;
    private final SegmentLayout layout;
    private final int capacity;
    private final boolean readOnly;
    private final UnsafeBuffer buffer;
    private final Runnable unmapper;
    /** One ring per queue, made on first use: the producer's claim state lives in the ring object. */
    private final RingBuffer[] rings = new RingBuffer[QueueId.values().length];
    /** The file's size, read without allocating; null for segments that are not files. Used under its monitor. */
    private final FileProbe fileProbe;
    private volatile boolean closed;

    private SharedSegment(
        final String description,
        final SegmentLayout layout,
        final int capacity,
        final boolean readOnly,
        final UnsafeBuffer buffer,
        final Runnable unmapper)
    {
        this.description = description;
        this.layout = layout;
        this.capacity = capacity;
        this.readOnly = readOnly;
        this.buffer = buffer;
        this.unmapper = unmapper;
        this.fileProbe = description.startsWith("/") ? FileProbe.of(Paths.get(description)) : null;
    }

    /** A segment over memory a {@link NamedMapping} mapped; {@code unmapper} releases it. */
    static SharedSegment mapped(
        final String description,
        final SegmentLayout layout,
        final int capacity,
        final boolean readOnly,
        final UnsafeBuffer buffer,
        final Runnable unmapper)
    {
        return new SharedSegment(description, layout, capacity, readOnly, buffer, unmapper);
    }

    /**
     * Apply the layout's checks that need the whole mapping; on failure the segment is closed.
     *
     * @return the segment.
     */
    static SharedSegment validated(final SharedSegment segment)
    {
        try
        {
            segment.layout.validateMapped(segment.description, segment.buffer, segment.capacity);
            return segment;
        }
        catch (final RuntimeException ex)
        {
            segment.close();
            throw ex;
        }
    }

    /**
     * Path of a channel's shared-memory file, {@code /dev/shm/NAME}, after checking the name.
     *
     * @param channelName the channel's name, as passed to {@code shm_open} without its leading slash.
     * @return the file path.
     * @throws IllegalArgumentException if the name is empty, too long, or holds '/', "..", or a control character.
     */
    public static Path shmPath(final String channelName)
    {
        return SHM_DIRECTORY.resolve(ChannelNames.check(channelName));
    }

    /**
     * Create a new segment file, size it, and initialise both queue headers. The file must not exist.
     *
     * @param file        where to create it.
     * @param capacity    of each queue's data area (a power of two for {@link SegmentLayout#AGRONA}).
     * @param layout      ring format.
     * @param permissions mode of the new file, applied regardless of the umask.
     * @return the segment, mapped read-write.
     * @throws SegmentExistsException   if the file exists.
     * @throws IllegalArgumentException if the capacity is out of range for the layout.
     * @throws SegmentException         if the file cannot be created or mapped.
     */
    public static SharedSegment create(
        final Path file, final int capacity, final SegmentLayout layout, final Set<PosixFilePermission> permissions)
    {
        final long length = layout.segmentLength(capacity);
        try (FileChannel channel = FileChannel.open(file,
            EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(permissions)))
        {
            Files.setPosixFilePermissions(file, permissions);
            channel.write(ByteBuffer.wrap(new byte[1]), length - 1);
            final SharedSegment segment = map(file, channel, length, layout, capacity, false);
            segment.initialise();
            return segment;
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new SegmentExistsException(file.toString(), "already exists; open it, or remove it if it is stale");
        }
        catch (final IOException ex)
        {
            throw new SegmentException(file.toString(), "cannot create: " + ex, ex);
        }
    }

    /**
     * Size an existing segment file for {@code capacity}, map it read-write and initialise both queue headers, for
     * a host taking over a file it created empty or that a dead run left behind. The file is resized only when its
     * size differs, since shrinking a file that another process still maps makes that process fault.
     * <p>
     * Only a host that holds the segment's lock may call this: it resets the queues under any peer.
     *
     * @param file        an existing file.
     * @param capacity    of each queue's data area.
     * @param layout      ring format.
     * @param permissions mode to give the file (applied when this process owns it).
     * @return the initialised segment.
     * @throws SegmentException if the file cannot be opened, resized or mapped.
     */
    public static SharedSegment initialiseFile(
        final Path file, final int capacity, final SegmentLayout layout, final Set<PosixFilePermission> permissions)
    {
        final long length = layout.segmentLength(capacity);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            try
            {
                Files.setPosixFilePermissions(file, permissions);
            }
            catch (final IOException ex)
            {
                throw new SegmentException(file.toString(), "cannot set mode " +
                    PosixFilePermissions.toString(permissions) + " (is it owned by another user?): " + ex, ex);
            }
            final long size = channel.size();
            if (size > length)
            {
                channel.truncate(length);
            }
            else if (size < length)
            {
                channel.write(ByteBuffer.wrap(new byte[1]), length - 1);
            }
            final SharedSegment segment = map(file, channel, length, layout, capacity, false);
            segment.initialise();
            return segment;
        }
        catch (final NoSuchFileException ex)
        {
            throw new SegmentNotFoundException(file.toString(), "removed while the host was starting");
        }
        catch (final IOException ex)
        {
            throw new SegmentException(file.toString(), "cannot initialise: " + ex, ex);
        }
    }

    /**
     * Create an empty file with the given mode if none exists.
     *
     * @return true if this call created it.
     */
    public static boolean createEmptyFile(final Path file, final Set<PosixFilePermission> permissions)
    {
        try
        {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(permissions));
            Files.setPosixFilePermissions(file, permissions);
            return true;
        }
        catch (final FileAlreadyExistsException ex)
        {
            return false;
        }
        catch (final IOException ex)
        {
            throw new SegmentException(file.toString(), "cannot create: " + ex, ex);
        }
    }

    /**
     * Create a channel's segment by name: {@code /dev/shm/NAME} on Linux, {@code Local\NAME} on Windows.
     *
     * @param channelName the channel's name.
     * @param capacity    of each queue's data area.
     * @param layout      ring format.
     * @param permissions mode of the new file (ignored on Windows).
     * @return the segment, mapped read-write and initialised.
     * @see #create(Path, int, SegmentLayout, Set)
     */
    public static SharedSegment createNamed(
        final String channelName,
        final int capacity,
        final SegmentLayout layout,
        final Set<PosixFilePermission> permissions)
    {
        return NamedMapping.PLATFORM.create(channelName, capacity, layout, permissions);
    }

    /**
     * Open and validate an existing segment file, detecting its layout. Never writes to it.
     *
     * @param file     the segment file.
     * @param readOnly map it read-only (for inspection: rings cannot be taken from it).
     * @return the mapped segment.
     * @throws SegmentNotFoundException        if the file does not exist.
     * @throws SegmentTooSmallException        if it is shorter than a header or than its capacity needs.
     * @throws SegmentNotInitialisedException  if the capacity is still 0.
     * @throws SegmentSizeMismatchException    if the capacities contradict each other or the file size.
     * @throws SegmentException                for any other reason it cannot be opened (a directory, permission).
     */
    public static SharedSegment open(final Path file, final boolean readOnly)
    {
        final String description = file.toString();
        if (Files.isDirectory(file))
        {
            throw new SegmentException(description, "is a directory, not a segment file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file))
        {
            // a FIFO would block the open for ever, a device would map something else
            throw new SegmentException(
                description, "is not a regular file (a FIFO, socket or device), not a segment file");
        }
        final EnumSet<StandardOpenOption> options = readOnly ?
            EnumSet.of(StandardOpenOption.READ) : EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
        try (FileChannel channel = FileChannel.open(file, options))
        {
            final long size = channel.size();
            if (size < SegmentLayout.HEADER_LENGTH)
            {
                throw new SegmentTooSmallException(description,
                    "file is " + size + " bytes, shorter than the " + SegmentLayout.HEADER_LENGTH +
                    "-byte queue header");
            }
            final ByteBuffer header = ByteBuffer.allocate(SegmentLayout.HEADER_LENGTH);
            while (header.hasRemaining() && channel.read(header, header.position()) >= 0)
            {
                // read the whole header
            }
            final UnsafeBuffer headerBytes = new UnsafeBuffer(header.array());
            final SegmentLayout layout = SegmentLayout.detect(headerBytes);
            final long capacity = validateHeader(
                description, layout, headerBytes.getLong(SegmentLayout.CAPACITY_OFFSET), size);
            return validated(map(file, channel, size, layout, (int)capacity, readOnly));
        }
        catch (final NoSuchFileException ex)
        {
            throw new SegmentNotFoundException(description, "no such file (has the channel's host started?)");
        }
        catch (final AccessDeniedException ex)
        {
            throw new SegmentException(
                description, "permission denied opening it " + (readOnly ? "read-only" : "read-write"), ex);
        }
        catch (final IOException ex)
        {
            throw new SegmentException(description, "cannot open: " + ex, ex);
        }
    }

    /**
     * Open a segment file, waiting up to {@code timeout} for its creator: while the file is missing, shorter than a
     * header, or its capacity is still 0, retry every 10 ms, as the Go guest does.
     *
     * @param file     the segment file.
     * @param readOnly map it read-only.
     * @param timeout  how long to wait; zero tries once.
     * @return the mapped segment.
     * @throws SegmentException the last reason it could not be opened, once the timeout has passed, or at once for
     *                          a reason waiting cannot cure (a size mismatch, a directory, permission).
     */
    public static SharedSegment open(final Path file, final boolean readOnly, final Duration timeout)
    {
        return retrying(file.toString(), timeout, () -> open(file, readOnly));
    }

    /**
     * Try {@code attempt} until it succeeds or {@code timeout} has passed, every 10 ms, while it fails for a reason
     * that waiting for the segment's creator can cure.
     */
    private static SharedSegment retrying(
        final String description, final Duration timeout, final Supplier<SharedSegment> attempt)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            try
            {
                return attempt.get();
            }
            catch (final SegmentNotFoundException | SegmentTooSmallException | SegmentNotInitialisedException ex)
            {
                if (System.nanoTime() - deadline >= 0)
                {
                    throw ex;
                }
                LockSupport.parkNanos(POLL_NANOS);
                if (Thread.currentThread().isInterrupted())
                {
                    throw new SegmentException(description, "interrupted while waiting for the segment", ex);
                }
            }
        }
    }

    /**
     * Open a channel's segment by name: {@code /dev/shm/NAME} on Linux, {@code Local\NAME} on Windows.
     *
     * @param channelName the channel's name.
     * @param readOnly    map it read-only.
     * @param timeout     how long to wait for the creator.
     * @return the mapped segment.
     * @see #open(Path, boolean, Duration)
     */
    public static SharedSegment openNamed(final String channelName, final boolean readOnly, final Duration timeout)
    {
        return retrying(channelName, timeout, () -> NamedMapping.PLATFORM.open(channelName, readOnly));
    }

    /**
     * The host epoch a segment gets when it is initialised: the next even value after the one found, so it changes
     * on every initialisation (see {@link SimpleIpcDescriptor#HOST_EPOCH_OFFSET}).
     *
     * @param found the epoch in the header before initialisation (odd if a host announced it is re-initialising).
     * @return an even epoch larger than {@code found}.
     */
    public static long readyEpoch(final long found)
    {
        return (found | 1) + 1;
    }

    /**
     * The odd epoch a host stores before it re-initialises a segment, telling a guest still attached to leave.
     *
     * @param found the epoch in the header.
     * @return an odd epoch larger than {@code found}.
     */
    public static long announcedEpoch(final long found)
    {
        return (found & 1) == 0 ? found + 1 : found + 2;
    }

    /**
     * Zero both queue headers (positions, extension fields, except queue 0's host epoch, which moves on to the next
     * even value) and the first block header slot of each data area, and
     * set the capacity, for a new segment or one a dead run left behind. Other data bytes are not cleared: with both
     * positions at 0 none of them is pending. The capacity of
     * queue 0 is written last with release semantics, so a peer that sees it non-zero sees the rest.
     * <p>
     * Only the segment's creator may call this, and only while no peer uses the segment.
     *
     * @throws IllegalStateException if the segment is mapped read-only.
     */
    public void initialise()
    {
        checkWritable();
        layout.initialise(buffer, capacity);
    }

    /**
     * The ring over one queue: the same object on every call for the same queue, since the producer's claim and
     * unpublished state live in the object (two ring objects over one queue in one process would each believe they
     * own the producer's side). Thread safe; the ring follows its own threading rules (one producer, one consumer).
     *
     * @param queue which queue.
     * @return a {@link SimpleIpcRingBuffer} or an Agrona {@link OneToOneRingBuffer}, as the layout says.
     * @throws IllegalStateException if the segment is mapped read-only or closed.
     */
    public RingBuffer ring(final QueueId queue)
    {
        checkWritable();
        synchronized (rings)
        {
            RingBuffer ring = rings[queue.ordinal()];
            if (ring == null)
            {
                ring = layout.newRing(queueBuffer(queue), description + " " + queue.label());
                rings[queue.ordinal()] = ring;
            }
            return ring;
        }
    }

    /**
     * A {@link SimpleIpcRingBuffer} over one queue, for the operations beyond Agrona's interface (batch append,
     * reader-state handshake).
     *
     * @param queue which queue.
     * @return the ring.
     * @throws IllegalStateException if the layout is not {@link SegmentLayout#SIMPLE_IPC}, or as {@link #ring}.
     */
    public SimpleIpcRingBuffer simpleIpcRing(final QueueId queue)
    {
        if (layout != SegmentLayout.SIMPLE_IPC)
        {
            throw new IllegalStateException(description + " holds the " + layout.label() + " layout, not " +
                SegmentLayout.SIMPLE_IPC.label());
        }
        return (SimpleIpcRingBuffer)ring(queue);
    }

    /**
     * The memory of one queue: for SimpleIPC v1 its 128-byte header and data area, for Agrona the ring's data and
     * trailer. Read-only segments return a buffer that must only be read.
     *
     * @param queue which queue.
     * @return a view of the queue's memory.
     */
    public AtomicBuffer queueBuffer(final QueueId queue)
    {
        checkOpen();
        return new UnsafeBuffer(buffer, (int)layout.queueOffset(queue, capacity), (int)layout.queueLength(capacity));
    }

    /**
     * A reader of one queue's blocks that never writes and consumes nothing, for inspectors; works on a segment
     * mapped read-only. Its errors name the queue as {@link #ring} does.
     *
     * @param queue which queue.
     * @return a new walker over the queue.
     * @throws IllegalStateException if the segment is closed.
     */
    public QueueWalker queueWalker(final QueueId queue)
    {
        return QueueWalker.of(layout, queueBuffer(queue), description + " " + queue.label());
    }

    /**
     * @return the file path or mapping name.
     */
    public String description()
    {
        return description;
    }

    /**
     * @return the ring format.
     */
    public SegmentLayout layout()
    {
        return layout;
    }

    /**
     * @return each queue's data capacity in bytes.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @return length of the mapping in bytes.
     */
    public int length()
    {
        return buffer.capacity();
    }

    /**
     * @return true if mapped read-only.
     */
    public boolean isReadOnly()
    {
        return readOnly;
    }

    /**
     * Explain a fault met while touching this segment's memory. When the file was cut shorter while mapped
     * ({@code truncate -s 100 /dev/shm/NAME}), the next access to a lost page raises {@link InternalError} (the
     * kernel's SIGBUS, turned into an exception by the JVM): that becomes a {@link SegmentTruncatedException} naming
     * the file and both sizes. Anything else is returned as it is.
     *
     * @param fault what an access to the mapping threw.
     * @return the exception to report.
     */
    public Throwable explainFault(final Throwable fault)
    {
        if (fault instanceof InternalError && fileProbe != null)
        {
            final long size = Math.max(0, fileSize()); // removed as well as truncated: 0
            if (size < length())
            {
                return new SegmentTruncatedException(description, size, length(), fault);
            }
        }
        return fault;
    }

    /**
     * Check that the segment's file is still as long as the mapping, before a truncation makes an access fault.
     * Segments that are not files (Windows named mappings) and files that were removed (their mapping stays valid)
     * pass.
     *
     * @throws SegmentTruncatedException naming the file and both sizes.
     */
    public void checkNotTruncated()
    {
        if (fileProbe != null)
        {
            final long size = fileSize();
            if (size >= 0 && size < length())
            {
                throw new SegmentTruncatedException(description, size, length(), null);
            }
        }
    }

    /** @return the segment file's length now, without allocating, or -1 if it is gone or unreadable. */
    private long fileSize()
    {
        synchronized (fileProbe)
        {
            return fileProbe.refresh() ? fileProbe.size() : -1;
        }
    }

    /**
     * @return true if the segment's file is now shorter than the mapping, so touching its last pages would fault.
     * (The fault of an access in compiled code surfaces as an {@link InternalError} some instructions later, which
     * no {@code catch} around the access can be sure to catch: check first.)
     */
    public boolean isTruncated()
    {
        try
        {
            checkNotTruncated();
            return false;
        }
        catch (final SegmentTruncatedException ex)
        {
            return true;
        }
    }

    /**
     * Unmap. Idempotent. Rings taken from this segment must not be used afterwards.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            if (isTruncated())
            {
                unmapOnFreshThread(); // this thread may hold a pending fault, which must not surface in the cleaner
            }
            else
            {
                unmapper.run();
            }
        }
    }

    private void unmapOnFreshThread()
    {
        final Thread thread = new Thread(unmapper, "shmipc-unmap");
        thread.setDaemon(true);
        thread.start();
        try
        {
            thread.join(5000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "SharedSegment{" + description + ", " + layout.label() + ", capacity=" + capacity +
            (readOnly ? ", read-only" : "") + '}';
    }

    private static SharedSegment map(
        final Path file,
        final FileChannel channel,
        final long length,
        final SegmentLayout layout,
        final int capacity,
        final boolean readOnly) throws IOException
    {
        final MappedByteBuffer mapped = channel.map(
            readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE, 0, length);
        return new SharedSegment(
            file.toString(), layout, capacity, readOnly, new UnsafeBuffer(mapped), () -> IoUtil.unmap(mapped));
    }

    /**
     * @param size file size, or -1 where the platform cannot tell.
     * @return the capacity.
     */
    static long validateHeader(
        final String description, final SegmentLayout layout, final long capacity, final long size)
    {
        if (0 == capacity)
        {
            throw new SegmentNotInitialisedException(description,
                "capacity at offset " + SegmentLayout.CAPACITY_OFFSET +
                " is 0: the creator has not initialised the segment yet");
        }
        final long expected;
        try
        {
            expected = layout.segmentLength(capacity);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SegmentSizeMismatchException(description,
                "header capacity at offset " + SegmentLayout.CAPACITY_OFFSET + " is " + capacity + ": " +
                ex.getMessage() + (size >= 0 ? " (file is " + size + " bytes)" : ""));
        }
        if (size >= 0 && size < expected)
        {
            throw new SegmentTooSmallException(description, "capacity " + capacity + " (" + layout.label() +
                ") needs a " + expected + "-byte file, found " + size + " bytes");
        }
        if (size > expected)
        {
            throw new SegmentSizeMismatchException(description, "capacity " + capacity + " (" + layout.label() +
                ") needs a " + expected + "-byte file, found " + size + " bytes");
        }
        return capacity;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException(description + " is closed");
        }
    }

    private void checkWritable()
    {
        checkOpen();
        if (readOnly)
        {
            throw new IllegalStateException(description + " is mapped read-only");
        }
    }
}

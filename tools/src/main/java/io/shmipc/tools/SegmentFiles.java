package io.shmipc.tools;

import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.segment.SegmentTruncatedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Checks the tools make on a segment file around core's {@code SharedSegment.open}: what kind of file it is (before
 * opening it, since opening a FIFO for reading blocks until a writer comes) and whether a mapping that faulted did
 * so because the file was cut shorter under it.
 */
final class SegmentFiles
{
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFSOCK = 0140000;

    /**
     * Test seam: when set, called with the file once it is mapped and checked, right before its mapping is read
     * (inspect, each watch refresh, list), e.g. to truncate it there. Always null outside tests.
     */
    static volatile Consumer<Path> mappedHookForTests;

    private SegmentFiles()
    {
    }

    static void mappedForTests(final Path file)
    {
        final Consumer<Path> hook = mappedHookForTests;
        if (null != hook)
        {
            hook.accept(file);
        }
    }

    /**
     * Refuse, without opening it, a file that is neither a regular file nor a directory (a FIFO, a socket, a device):
     * none can be a segment, and opening a FIFO would wait for a writer for ever. Follows symbolic links, as opening
     * would. A missing file or a directory is left to {@code SharedSegment.open}, which names them.
     *
     * @param file the segment file.
     * @throws CliException with {@link ExitCodes#INVALID_SEGMENT} naming the file and its type.
     */
    static void requireRegularFile(final Path file)
    {
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        }
        catch (final NoSuchFileException ex)
        {
            return; // SharedSegment.open reports it (exit 3)
        }
        catch (final IOException ex)
        {
            return; // e.g. permission on a parent: SharedSegment.open reports it
        }
        if (attributes.isRegularFile() || attributes.isDirectory())
        {
            return;
        }
        throw new CliException(ExitCodes.INVALID_SEGMENT, file + ": is " + typeOf(file) + ", not a segment file");
    }

    /**
     * @param file a file that is not regular.
     * @return its kind, with an article: "a FIFO (named pipe)", "a socket", "a character device", ...
     */
    static String typeOf(final Path file)
    {
        try
        {
            final int mode = ((Number)Files.getAttribute(file, "unix:mode")).intValue() & S_IFMT;
            switch (mode)
            {
                case S_IFIFO: return "a FIFO (named pipe)";
                case S_IFSOCK: return "a socket";
                case S_IFCHR: return "a character device";
                case S_IFBLK: return "a block device";
                default: return "not a regular file (mode 0" + Integer.toOctalString(mode) + ")";
            }
        }
        catch (final IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException ex)
        {
            return "not a regular file";
        }
    }

    /**
     * @param file the file.
     * @return its size now, or -1 if it is gone or cannot be read.
     */
    static long sizeNow(final Path file)
    {
        try
        {
            return Files.size(file);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    /**
     * @param file         a mapped segment file.
     * @param expectedSize the length of its mapping.
     * @return a one-line failure if the file is now missing (exit 3) or shorter than its mapping (exit 4), else null.
     */
    static CliException truncated(final Path file, final long expectedSize)
    {
        final long size = sizeNow(file);
        if (size < 0 && !Files.exists(file))
        {
            return new CliException(ExitCodes.NOT_FOUND, file + ": removed while it was read (the channel was closed " +
                "or cleaned)");
        }
        if (size >= 0 && size < expectedSize)
        {
            return new CliException(ExitCodes.INVALID_SEGMENT, file + ": truncated to " + size + " bytes while it " +
                "was read (the segment is " + expectedSize + " bytes)");
        }
        return null;
    }

    /**
     * Run {@code read} (which opens or reads a mapped segment) on a short-lived thread of its own, wait for it, and
     * report a truncation of the file as one line.
     * <p>
     * Why a thread: a mapped page past the file's new end faults (SIGBUS), and the JVM turns that into a
     * {@link InternalError} "a fault occurred in a recent unsafe memory access operation", delivered
     * <b>asynchronously</b> in compiled code: at some later point of the same thread, possibly inside the cleaner
     * that unmaps the segment, which then calls {@code System.exit(1)}. Confined to a thread that does nothing else
     * and ends, the fault never reaches the caller, which closes the segment afterwards on its own thread.
     * <p>
     * After the read the file's size is checked against {@code mappedLength}: when it is shorter, what was read may
     * be garbage (a faulting load returns no value) and the truncation is reported, whatever the read returned.
     *
     * @param file         the segment file.
     * @param mappedLength the mapping's length, asked after the read (when the read opened the segment).
     * @param read         the read; it must not close the segment (the caller does, after this returns).
     * @param <T>          its result.
     * @return the read's result.
     * @throws CliException if the file was truncated (exit 4) or removed (exit 3) under the read, or it faulted (1).
     */
    static <T> T readConfined(final Path file, final LongSupplier mappedLength, final Supplier<T> read)
    {
        final AtomicReference<T> result = new AtomicReference<>();
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            try
            {
                result.set(read.get());
            }
            catch (final Throwable t)
            {
                thrown.compareAndSet(null, t);
            }
        }, "shmipc-segment-read");
        reader.setDaemon(true);
        // an asynchronous fault delivered after the try block, as the thread ends
        reader.setUncaughtExceptionHandler((thread, ex) -> thrown.compareAndSet(null, ex));
        reader.start();
        boolean interrupted = false;
        while (true)
        {
            try
            {
                reader.join();
                break;
            }
            catch (final InterruptedException ex)
            {
                interrupted = true; // the read is short: finish it, then pass the interrupt on
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        final Throwable failure = thrown.get();
        final long expected = mappedLength.getAsLong();
        if (expected > 0)
        {
            final CliException truncated = truncated(file, expected);
            if (null != truncated && (null == failure || failure instanceof InternalError || null != result.get()))
            {
                throw truncated;
            }
        }
        if (failure instanceof InternalError)
        {
            throw faulted(file, expected, failure);
        }
        if (failure instanceof RuntimeException)
        {
            throw (RuntimeException)failure;
        }
        if (failure instanceof Error)
        {
            throw (Error)failure;
        }
        if (null != failure)
        {
            throw new IllegalStateException(failure);
        }
        return result.get();
    }

    /**
     * @param file         the mapped file.
     * @param expectedSize the length of the mapping, or -1 if unknown (then any size is reported as truncated).
     * @param fault        the fault.
     * @return the one-line failure to report for a fault while reading the mapping of {@code file}.
     */
    static CliException faulted(final Path file, final long expectedSize, final Throwable fault)
    {
        if (expectedSize <= 0)
        {
            final long size = sizeNow(file);
            return size < 0 ? new CliException(ExitCodes.NOT_FOUND, file + ": removed while it was read") :
                new CliException(ExitCodes.INVALID_SEGMENT, file + ": truncated while it was read (the file is " +
                size + " bytes now)");
        }
        final CliException truncated = truncated(file, expectedSize);
        if (null != truncated)
        {
            return truncated;
        }
        return new CliException(ExitCodes.FAILURE, file + ": a fault occurred reading its mapping (" +
            oneLine(fault.getMessage()) + "; the file is " + sizeNow(file) + " bytes)");
    }

    /**
     * The exit code of a channel whose reader (or writer) failed: 5 for a corrupt queue, 4 for a segment truncated
     * under it (a {@link SegmentTruncatedException}, or the JVM's fault on a file now shorter than its mapping), 1
     * otherwise. The cause chain is searched.
     *
     * @param failure      what stopped the channel's thread.
     * @param file         the segment file.
     * @param expectedSize the length of its mapping.
     * @return the exit code.
     */
    static int exitCodeOf(final Throwable failure, final Path file, final long expectedSize)
    {
        for (Throwable t = failure; null != t; t = t.getCause() == t ? null : t.getCause())
        {
            if (t instanceof CorruptQueueException)
            {
                return ExitCodes.CORRUPT_QUEUE;
            }
            if (t instanceof SegmentTruncatedException)
            {
                return ExitCodes.INVALID_SEGMENT;
            }
            if (t instanceof InternalError)
            {
                final long size = sizeNow(file);
                return size >= 0 && size < expectedSize ? ExitCodes.INVALID_SEGMENT : ExitCodes.FAILURE;
            }
        }
        return ExitCodes.FAILURE;
    }

    /**
     * @param failure      what stopped the channel's thread.
     * @param file         the segment file.
     * @param expectedSize the length of its mapping.
     * @return one line describing it: the exception's message, and for a JVM fault the file's new size.
     */
    static String describe(final Throwable failure, final Path file, final long expectedSize)
    {
        for (Throwable t = failure; null != t; t = t.getCause() == t ? null : t.getCause())
        {
            if (t instanceof CorruptQueueException || t instanceof SegmentTruncatedException)
            {
                return oneLine(t.getMessage());
            }
            if (t instanceof InternalError)
            {
                final long size = sizeNow(file);
                if (size >= 0 && size < expectedSize)
                {
                    return file + ": truncated to " + size + " bytes while mapped (the segment is " + expectedSize +
                        " bytes)";
                }
            }
        }
        return oneLine(failure.getClass().getSimpleName() + ": " + failure.getMessage());
    }

    /**
     * @param text a message, possibly null or with line breaks.
     * @return it on one line.
     */
    static String oneLine(final String text)
    {
        return null == text ? "" : text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}

/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.signals;

import com.sun.jna.Platform;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Creates, opens and removes {@link NamedSignal}s by their channel-level name, picking the OS form: a POSIX named
 * semaphore {@code /NAME} on Linux ({@link LinuxNamedSemaphore}), an auto-reset event {@code Local\NAME} on
 * Windows ({@link WindowsNamedEvent}). Other operating systems get {@link UnsupportedOperationException}.
 * <p>
 * <b>Names</b> are given without the {@code '/'} or {@code Local\} prefix, e.g. {@code "SimpleIPC_REQ"}, and are
 * checked by {@link #validateName(String)} before any system call. All methods are thread safe.
 * <p>
 * <b>The channel's naming convention</b> lives here and nowhere else: channel {@code NAME} has the request signal
 * {@link #requestSignalName NAME_REQ} and the response signal {@link #responseSignalName NAME_RESP} (spec section 1),
 * which glibc keeps as the files {@link #linuxFile /dev/shm/sem.NAME_REQ} and {@code /dev/shm/sem.NAME_RESP}.
 */
public final class NamedSignals
{
    /** Directory in which glibc keeps a named semaphore {@code /NAME} as a file. */
    public static final Path LINUX_DIRECTORY = Paths.get("/dev/shm");

    /** Prefix glibc puts before a named semaphore's name to make its file name in {@link #LINUX_DIRECTORY}. */
    public static final String LINUX_FILE_PREFIX = "sem.";

    /**
     * Longest accepted name in UTF-8 bytes: Linux keeps {@code /NAME} as the file {@code /dev/shm/sem.NAME}, and a
     * file name may have at most {@code NAME_MAX} = 255 bytes, 4 of which are {@link #LINUX_FILE_PREFIX}.
     */
    public static final int MAX_NAME_BYTES = 255 - LINUX_FILE_PREFIX.length();

    /** Suffix of the signal posted by the host->guest (request) writer, spec section 1. */
    public static final String REQUEST_SUFFIX = "_REQ";

    /** Suffix of the signal posted by the guest->host (response) writer, spec section 1. */
    public static final String RESPONSE_SUFFIX = "_RESP";

    /** Mode the C++ host uses for its semaphores (spec section 1). */
    public static final int SPEC_MODE = 0644;

    private static final long OPEN_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(20);

    private NamedSignals()
    {
    }

    /**
     * Checks that a name can be used for a named signal on every supported OS.
     *
     * @param name the channel-level name, e.g. {@code "SimpleIPC_REQ"}.
     * @return {@code name}, for chaining.
     * @throws IllegalArgumentException if it is null or empty, contains {@code '/'}, {@code '\'} (Windows
     *                                  reserves it) or NUL, or is longer than {@link #MAX_NAME_BYTES} bytes in UTF-8.
     */
    public static String validateName(final String name)
    {
        if (null == name || name.isEmpty())
        {
            throw new IllegalArgumentException("named signal name must not be null or empty: " + quote(name));
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if ('/' == c || '\\' == c || '\0' == c)
            {
                throw new IllegalArgumentException(
                    "named signal name " + quote(name) + " contains " + ('\0' == c ? "NUL" : "'" + c + "'") +
                    " at index " + i + ": give the name without the leading '/' or 'Local\\' prefix, " +
                    "and without '/', '\\' or NUL anywhere");
            }
        }
        final int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES)
        {
            throw new IllegalArgumentException(
                "named signal name is " + bytes + " bytes in UTF-8, the limit is " + MAX_NAME_BYTES +
                " (Linux NAME_MAX 255 minus the \"sem.\" prefix of /dev/shm/sem.NAME): " + quote(name));
        }
        return name;
    }

    /**
     * @param channel the channel name, e.g. {@code "SimpleIPC"}.
     * @return {@code channel + "_REQ"}, the signal posted by the host->guest writer.
     * @throws IllegalArgumentException if the result is not a valid name.
     */
    public static String requestSignalName(final String channel)
    {
        return validateName(requireChannel(channel) + REQUEST_SUFFIX);
    }

    /**
     * @param channel the channel name, e.g. {@code "SimpleIPC"}.
     * @return {@code channel + "_RESP"}, the signal posted by the guest->host writer.
     * @throws IllegalArgumentException if the result is not a valid name.
     */
    public static String responseSignalName(final String channel)
    {
        return validateName(requireChannel(channel) + RESPONSE_SUFFIX);
    }

    /**
     * The file in which glibc keeps a Linux named semaphore, for tools that report or remove it without opening it.
     * Nothing is checked on disk.
     *
     * @param name channel-level name, see {@link #validateName(String)}.
     * @return {@code /dev/shm/sem.NAME}.
     * @throws IllegalArgumentException if the name is not valid.
     */
    public static Path linuxFile(final String name)
    {
        return LINUX_DIRECTORY.resolve(LINUX_FILE_PREFIX + validateName(name));
    }

    /**
     * Creates the signal with no pending posts, or opens it if it already exists (keeping its pending posts,
     * which may be many: spec section 8).
     *
     * @param name channel-level name, see {@link #validateName(String)}.
     * @param mode Linux permission bits, e.g. {@code 0600} or {@link #SPEC_MODE}, applied exactly (not masked
     *             by the umask) when this process may change them; ignored on Windows.
     * @return the open signal; the caller closes it.
     * @throws IllegalArgumentException if the name or mode (outside {@code 0..0777}) is invalid.
     * @throws NamedSignalException     if the OS refuses, with its error text.
     */
    public static NamedSignal create(final String name, final int mode)
    {
        validateName(name);
        if (mode < 0 || mode > 0777)
        {
            throw new IllegalArgumentException(
                "mode for named signal " + quote(name) + " must be within 0..0777 octal, got 0" +
                Integer.toOctalString(mode) + " (" + mode + " decimal)");
        }
        if (Platform.isLinux())
        {
            return LinuxNamedSemaphore.create(name, mode);
        }
        if (Platform.isWindows())
        {
            return WindowsNamedEvent.create(name);
        }
        throw unsupported();
    }

    /**
     * Opens an existing signal without creating it.
     *
     * @param name channel-level name, see {@link #validateName(String)}.
     * @return the open signal; the caller closes it.
     * @throws SignalNotFoundException if it does not exist yet.
     * @throws NamedSignalException    if the OS refuses otherwise.
     */
    public static NamedSignal open(final String name)
    {
        validateName(name);
        if (Platform.isLinux())
        {
            return LinuxNamedSemaphore.open(name);
        }
        if (Platform.isWindows())
        {
            return WindowsNamedEvent.open(name);
        }
        throw unsupported();
    }

    /**
     * Opens an existing signal, retrying every 20 ms until it exists or the timeout ends, for a peer that has
     * not started yet. Blocks the calling thread (parked, not spinning).
     *
     * @param name    channel-level name, see {@link #validateName(String)}.
     * @param timeout how long to keep trying; zero tries once.
     * @return the open signal; the caller closes it.
     * @throws SignalNotFoundException if it still does not exist when the timeout ends, or the thread was
     *                                 interrupted while retrying (the interrupt flag stays set).
     * @throws NamedSignalException    if the OS refuses otherwise.
     */
    public static NamedSignal open(final String name, final Duration timeout)
    {
        validateName(name);
        if (null == timeout || timeout.isNegative())
        {
            throw new IllegalArgumentException(
                "timeout to open named signal " + quote(name) + " must be zero or positive, got " + timeout);
        }
        final long timeoutNs = saturatedNanos(timeout);
        final long deadline = System.nanoTime() + timeoutNs;
        while (true)
        {
            try
            {
                return open(name);
            }
            catch (final SignalNotFoundException ex)
            {
                final long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || Thread.currentThread().isInterrupted())
                {
                    throw new SignalNotFoundException(
                        name,
                        (remaining <= 0 ? "still missing after " + timeout : "interrupted while waiting") +
                        ": " + ex.getMessage(),
                        ex.errorCode());
                }
                LockSupport.parkNanos(Math.min(OPEN_RETRY_NS, remaining));
            }
        }
    }

    /**
     * Removes the signal's name. Processes that have it open keep a working handle; a later
     * {@link #create(String, int)} makes a new one with no pending posts. On Windows there is nothing to remove
     * (an event lives while a handle to it is open) and this returns {@code false}.
     *
     * @param name channel-level name, see {@link #validateName(String)}.
     * @return {@code true} if it was removed, {@code false} if it did not exist.
     * @throws NamedSignalException if the OS refuses, e.g. permission denied.
     */
    public static boolean unlink(final String name)
    {
        validateName(name);
        if (Platform.isLinux())
        {
            return LinuxNamedSemaphore.unlink(name);
        }
        if (Platform.isWindows())
        {
            return false;
        }
        throw unsupported();
    }

    /**
     * @param name channel-level name, see {@link #validateName(String)}.
     * @return {@code true} if the signal exists, even if this process is not allowed to open it.
     * @throws NamedSignalException if the OS probe fails for another reason.
     */
    public static boolean exists(final String name)
    {
        validateName(name);
        if (Platform.isLinux())
        {
            return LinuxNamedSemaphore.exists(name);
        }
        if (Platform.isWindows())
        {
            return WindowsNamedEvent.exists(name);
        }
        throw unsupported();
    }

    private static String requireChannel(final String channel)
    {
        if (null == channel || channel.isEmpty())
        {
            throw new IllegalArgumentException("channel name must not be null or empty: " + quote(channel));
        }
        return channel;
    }

    private static long saturatedNanos(final Duration duration)
    {
        try
        {
            return duration.toNanos();
        }
        catch (final ArithmeticException ex)
        {
            return Long.MAX_VALUE / 2;
        }
    }

    private static String quote(final String s)
    {
        return null == s ? "null" : "\"" + s + "\"";
    }

    private static UnsupportedOperationException unsupported()
    {
        return new UnsupportedOperationException(
            "named signals are implemented for Linux and Windows only, this is " + System.getProperty("os.name"));
    }
}

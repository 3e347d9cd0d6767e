/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.signals;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * JNA direct mapping of the glibc calls used by {@link LinuxNamedSemaphore}. Pointers are passed as {@code long}
 * addresses (64-bit Linux only), so calls on the hot path neither allocate nor convert arguments.
 * <p>
 * {@code sem_*} live in libc since glibc 2.34 and in libpthread before it; both are tried. {@code sem_clockwait}
 * (glibc 2.30+) is bound separately in {@link ClockWait} so its absence only disables the monotonic wait.
 * The {@code errno} of the last call on this thread is read with {@link Native#getLastError()}.
 */
final class LibC
{
    static final int O_CREAT = 0100;
    static final int CLOCK_REALTIME = 0;
    static final int CLOCK_MONOTONIC = 1;

    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ETIMEDOUT = 110;

    /** {@code sem_open} returns {@code SEM_FAILED}, which glibc defines as a null pointer. */
    static final long SEM_FAILED = 0L;

    /** Size of {@code struct timespec} on 64-bit Linux: {@code tv_sec} then {@code tv_nsec}, both 64-bit. */
    static final int TIMESPEC_SIZE = 16;

    static final NativeLibrary LIBRARY;

    static
    {
        if (Native.POINTER_SIZE != 8)
        {
            throw new UnsupportedOperationException(
                "shmipc named semaphores need a 64-bit JVM, pointer size is " + Native.POINTER_SIZE);
        }
        NativeLibrary library = NativeLibrary.getInstance("c");
        try
        {
            Native.register(LibC.class, library);
        }
        catch (final UnsatisfiedLinkError ex)
        {
            library = NativeLibrary.getInstance("pthread");
            Native.register(LibC.class, library);
        }
        LIBRARY = library;
    }

    private LibC()
    {
    }

    static native long sem_open(String name, int oflag, int mode, int value);

    static native int sem_close(long sem);

    static native int sem_unlink(String name);

    static native int sem_post(long sem);

    static native int sem_trywait(long sem);

    static native int sem_timedwait(long sem, long abstime);

    static native int sem_getvalue(long sem, int[] value);

    static native int clock_gettime(int clockId, long timespec);

    static native String strerror(int errnum);

    /**
     * @param errno an {@code errno} value.
     * @return e.g. {@code "errno 2 (No such file or directory)"}.
     */
    static String errnoText(final int errno)
    {
        return "errno " + errno + " (" + strerror(errno) + ")";
    }

    /**
     * {@code sem_clockwait}, present in glibc 2.30 and later. {@link #AVAILABLE} tells whether it was bound.
     */
    static final class ClockWait
    {
        static final boolean AVAILABLE;

        static
        {
            boolean available;
            try
            {
                Native.register(ClockWait.class, LIBRARY);
                available = true;
            }
            catch (final UnsatisfiedLinkError ex)
            {
                available = false;
            }
            AVAILABLE = available;
        }

        private ClockWait()
        {
        }

        static native int sem_clockwait(long sem, int clockId, long abstime);
    }
}

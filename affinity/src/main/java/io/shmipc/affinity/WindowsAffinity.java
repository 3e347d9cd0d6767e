package io.shmipc.affinity;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Windows thread affinity through kernel32's {@code SetThreadAffinityMask}, {@code GetCurrentThread} and
 * {@code GetProcessAffinityMask}, bound by JNA direct mapping.
 * <p>
 * <b>Compiled but untested</b>: shmipc's tests run on Linux only. Limits: 64-bit JVMs only ({@code DWORD_PTR} is
 * passed as a Java {@code long}); a mask covers the 64 logical processors of the thread's processor group, so CPU
 * numbers are group-relative on machines with more than 64. Windows has no call that reads a thread's mask, so
 * {@link #threadCpus()} swaps in the process mask and puts the old one back, widening the thread's mask for the
 * instant between the two calls.
 */
final class WindowsAffinity implements NativeAffinity
{
    static
    {
        Native.register("kernel32");
    }

    private static native Pointer GetCurrentThread();

    private static native Pointer GetCurrentProcess();

    private static native int GetCurrentThreadId();

    private static native int GetCurrentProcessorNumber();

    private static native long SetThreadAffinityMask(Pointer thread, long mask) throws LastErrorException;

    private static native boolean GetProcessAffinityMask(Pointer process, long[] processMask, long[] systemMask)
        throws LastErrorException;

    WindowsAffinity()
    {
        if (Native.POINTER_SIZE != 8)
        {
            throw new UnsupportedOperationException("CPU affinity needs a 64-bit JVM on Windows");
        }
    }

    /**
     * {@inheritDoc}
     */
    public CpuSet processCpus()
    {
        return CpuSet.fromWords(new long[]{ processMask() });
    }

    /**
     * {@inheritDoc}
     */
    public CpuSet threadCpus()
    {
        final Pointer thread = GetCurrentThread();
        final long previous = setMask(thread, processMask());
        setMask(thread, previous);
        return CpuSet.fromWords(new long[]{ previous });
    }

    /**
     * {@inheritDoc}
     */
    public void setThreadCpus(final CpuSet cpus)
    {
        final long[] words = cpus.toWords(1);
        if (words.length > 1)
        {
            throw new IllegalArgumentException(
                "CPUs " + cpus + " are beyond the 64 logical processors of a Windows processor group");
        }
        setMask(GetCurrentThread(), words[0]);
    }

    /**
     * {@inheritDoc}
     */
    public int currentCpu()
    {
        return GetCurrentProcessorNumber();
    }

    /**
     * {@inheritDoc}
     */
    public long threadId()
    {
        return Integer.toUnsignedLong(GetCurrentThreadId());
    }

    private static long setMask(final Pointer thread, final long mask)
    {
        try
        {
            final long previous = SetThreadAffinityMask(thread, mask);
            if (previous == 0)
            {
                throw new IllegalStateException("SetThreadAffinityMask(0x" + Long.toHexString(mask) + ") failed");
            }
            return previous;
        }
        catch (final LastErrorException ex)
        {
            throw new IllegalStateException(
                "SetThreadAffinityMask(0x" + Long.toHexString(mask) + ") failed: " + ex.getMessage(), ex);
        }
    }

    private static long processMask()
    {
        final long[] processMask = new long[1];
        final long[] systemMask = new long[1];
        try
        {
            if (!GetProcessAffinityMask(GetCurrentProcess(), processMask, systemMask))
            {
                throw new IllegalStateException("GetProcessAffinityMask failed");
            }
        }
        catch (final LastErrorException ex)
        {
            throw new IllegalStateException("GetProcessAffinityMask failed: " + ex.getMessage(), ex);
        }

        return processMask[0];
    }

    /**
     * {@inheritDoc}
     */
    public long[] processThreadIds()
    {
        throw new UnsupportedOperationException("listing a process's threads is not implemented on Windows " +
            "(os.name " + System.getProperty("os.name") + ")");
    }

    /**
     * {@inheritDoc}
     */
    public boolean setThreadCpus(final long threadId, final CpuSet cpus)
    {
        throw new UnsupportedOperationException("pinning another thread is not implemented on Windows (os.name " +
            System.getProperty("os.name") + ")");
    }
}

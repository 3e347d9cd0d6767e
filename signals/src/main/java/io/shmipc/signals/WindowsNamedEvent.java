/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.signals;

import com.sun.jna.Native;

/**
 * An auto-reset named event ({@code CreateEventA(NULL, FALSE, FALSE, "Local\NAME")}), the Windows form of the
 * SimpleIPC v1 wake-up signals. Obtain one with {@link NamedSignals}.
 * <p>
 * An event is set or not set: posts made while it is already set collapse into one, so {@link #drain()} returns
 * 0 or 1 and {@link #value()} returns -1. {@link #await(long)} rounds its timeout up to whole milliseconds, the
 * unit of {@code WaitForSingleObject}. The object disappears when the last handle to it is closed, so
 * {@link NamedSignals#unlink(String)} has nothing to remove.
 * <p>
 * <b>Untested here:</b> this class compiles on every platform but the project's tests run on Linux only.
 */
final class WindowsNamedEvent implements NamedSignal
{
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final String name;
    private final String osName;
    private long handle;

    private WindowsNamedEvent(final String name, final String osName, final long handle)
    {
        this.name = name;
        this.osName = osName;
        this.handle = handle;
    }

    /**
     * Creates the auto-reset event {@code Local\NAME}, not set, or opens it if it already exists.
     *
     * @param name already validated channel-level name.
     * @return the open event.
     * @throws NamedSignalException if {@code CreateEventA} fails.
     */
    static WindowsNamedEvent create(final String name)
    {
        final String osName = osName(name);
        final long handle = Kernel32.CreateEventA(0, 0, 0, osName);
        if (0 == handle)
        {
            final int error = Native.getLastError();
            throw new NamedSignalException(
                "CreateEventA(\"" + osName + "\") failed: " + Kernel32.errorText(error), error);
        }
        return new WindowsNamedEvent(name, osName, handle);
    }

    /**
     * Opens the existing event {@code Local\NAME}.
     *
     * @param name already validated channel-level name.
     * @return the open event.
     * @throws SignalNotFoundException if it does not exist.
     * @throws NamedSignalException    if {@code OpenEventA} fails otherwise.
     */
    static WindowsNamedEvent open(final String name)
    {
        final String osName = osName(name);
        final long handle = Kernel32.OpenEventA(Kernel32.EVENT_MODIFY_STATE | Kernel32.SYNCHRONIZE, 0, osName);
        if (0 == handle)
        {
            final int error = Native.getLastError();
            final String message = "OpenEventA(\"" + osName + "\") failed: " + Kernel32.errorText(error);
            if (Kernel32.ERROR_FILE_NOT_FOUND == error)
            {
                throw new SignalNotFoundException(name, message + "; has the peer that creates it started?", error);
            }
            throw new NamedSignalException(message, error);
        }
        return new WindowsNamedEvent(name, osName, handle);
    }

    /**
     * @param name already validated channel-level name.
     * @return {@code true} if the event exists (even if this process may not open it).
     */
    static boolean exists(final String name)
    {
        final String osName = osName(name);
        final long handle = Kernel32.OpenEventA(Kernel32.SYNCHRONIZE, 0, osName);
        if (0 != handle)
        {
            Kernel32.CloseHandle(handle);
            return true;
        }
        final int error = Native.getLastError();
        if (Kernel32.ERROR_FILE_NOT_FOUND == error)
        {
            return false;
        }
        if (Kernel32.ERROR_ACCESS_DENIED == error)
        {
            return true;
        }
        throw new NamedSignalException(
            "OpenEventA(\"" + osName + "\") probe failed: " + Kernel32.errorText(error), error);
    }

    private static String osName(final String name)
    {
        return "Local\\" + name;
    }

    /**
     * {@inheritDoc}
     */
    public String name()
    {
        return name;
    }

    /**
     * {@inheritDoc}
     */
    public void post()
    {
        if (0 == Kernel32.SetEvent(handle()))
        {
            throw failure("SetEvent", Native.getLastError());
        }
    }

    /**
     * {@inheritDoc}
     */
    public boolean await(final long timeoutNanos)
    {
        final long handle = handle();
        if (Thread.currentThread().isInterrupted())
        {
            return false;
        }
        final long millis = timeoutNanos <= 0 ? 0 :
            Math.min(Kernel32.MAX_WAIT_MILLIS, (timeoutNanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI);
        return waitFor(handle, (int)millis);
    }

    /**
     * {@inheritDoc}
     */
    public int drain()
    {
        return waitFor(handle(), 0) ? 1 : 0;
    }

    /**
     * @return -1: an event has no count.
     */
    public int value()
    {
        handle();
        return -1;
    }

    /**
     * Closes the handle with {@code CloseHandle}; the event disappears when no process holds a handle to it.
     */
    public void close()
    {
        final long handle = this.handle;
        if (0 != handle)
        {
            this.handle = 0;
            Kernel32.CloseHandle(handle);
        }
    }

    /**
     * @return e.g. {@code WindowsNamedEvent{Local\SimpleIPC_REQ}}.
     */
    public String toString()
    {
        return "WindowsNamedEvent{" + osName + (0 == handle ? ", closed}" : "}");
    }

    private boolean waitFor(final long handle, final int millis)
    {
        final int rc = Kernel32.WaitForSingleObject(handle, millis);
        if (Kernel32.WAIT_OBJECT_0 == rc)
        {
            return true;
        }
        if (Kernel32.WAIT_TIMEOUT == rc)
        {
            return false;
        }
        throw failure("WaitForSingleObject", Native.getLastError());
    }

    private long handle()
    {
        final long handle = this.handle;
        if (0 == handle)
        {
            throw new IllegalStateException("event " + osName + " is closed");
        }
        return handle;
    }

    private NamedSignalException failure(final String call, final int error)
    {
        return new NamedSignalException(call + " on event " + osName + " failed: " + Kernel32.errorText(error), error);
    }
}

/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.signals;

import com.sun.jna.Native;

/**
 * JNA direct mapping of the kernel32 calls used by {@link WindowsNamedEvent}. Handles are passed as {@code long}
 * (64-bit Windows only, where there is a single calling convention); {@code BOOL} is an {@code int}. The last
 * error of a call is read with {@link Native#getLastError()}.
 * <p>
 * Compiled and reviewed, but not exercised by tests on this project's Linux build machines.
 */
final class Kernel32
{
    static final int EVENT_MODIFY_STATE = 0x0002;
    static final int SYNCHRONIZE = 0x0010_0000;
    static final int WAIT_OBJECT_0 = 0;
    static final int WAIT_TIMEOUT = 0x102;
    static final int ERROR_FILE_NOT_FOUND = 2;
    static final int ERROR_ACCESS_DENIED = 5;
    /** Largest finite timeout; {@code 0xFFFFFFFF} means INFINITE and is never passed. */
    static final long MAX_WAIT_MILLIS = 0xFFFF_FFFEL;

    static
    {
        if (Native.POINTER_SIZE != 8)
        {
            throw new UnsupportedOperationException(
                "shmipc named events need a 64-bit JVM, pointer size is " + Native.POINTER_SIZE);
        }
        Native.register(Kernel32.class, "kernel32");
    }

    private Kernel32()
    {
    }

    static native long CreateEventA(long securityAttributes, int manualReset, int initialState, String name);

    static native long OpenEventA(int desiredAccess, int inheritHandle, String name);

    static native int SetEvent(long event);

    static native int WaitForSingleObject(long handle, int millis);

    static native int CloseHandle(long handle);

    /**
     * @param code a {@code GetLastError()} value.
     * @return e.g. {@code "error 2 (ERROR_FILE_NOT_FOUND)"}; only common codes are named.
     */
    static String errorText(final int code)
    {
        final String name;
        switch (code)
        {
            case ERROR_FILE_NOT_FOUND: name = "ERROR_FILE_NOT_FOUND"; break;
            case ERROR_ACCESS_DENIED: name = "ERROR_ACCESS_DENIED"; break;
            case 6: name = "ERROR_INVALID_HANDLE"; break;
            case 123: name = "ERROR_INVALID_NAME"; break;
            case 161: name = "ERROR_BAD_PATHNAME"; break;
            case 6118: name = "ERROR_INVALID_HANDLE_STATE"; break;
            default: name = "see the Windows system error codes"; break;
        }
        return "error " + code + " (" + name + ")";
    }
}
